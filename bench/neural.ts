/**
 * Neural features on a 1024 px photo: time and peak RSS of each Darkroom engine, side by side with
 * the bare library doing the same job in the same process (UpscalerJS alone, imgly alone).
 * Run alone with `npx tsx bench/neural.ts`; writes bench/results/neural.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import type { EngineDeps, EngineJob } from '../src/engines/engine.js';
import { createBgBlurEngine } from '../src/engines/neural/bg-blur.js';
import { createBgReplaceEngine } from '../src/engines/neural/bg-replace.js';
import { createEnhanceEngine } from '../src/engines/neural/enhance.js';
import { checkNsfw } from '../src/engines/neural/nsfw.js';
import { createSodEngine } from '../src/engines/neural/sod.js';
import { createWorkerPool } from '../src/engines/runtime/pool.js';
import { imglyAnchor, upscalerAnchor } from './anchors.js';
import { isMain, measure, report, TESTDATA, type BenchRow } from './support.js';

const PHOTO = path.join(TESTDATA, 'astronaut.png');

export async function run(): Promise<BenchRow[]> {
  const photo = await sharp(readFileSync(PHOTO)).resize(1024, 1024).png().toBuffer();
  const dataDir = path.join(process.cwd(), 'data', 'bench-neural');
  const deps: EngineDeps = { config: loadConfig({ dataDir, engines: { nsfw: { enabled: false, threshold: 0.7 } } }), log: pino({ level: 'silent' }), pool: createWorkerPool(2) };
  const ctx = { signal: new AbortController().signal, reportProgress: () => undefined, log: deps.log };
  const job = (feature: EngineJob['feature'], params: Record<string, unknown> = {}): EngineJob => ({
    taskId: 'bench', feature, params, files: { src_ids: [{ fileId: 'f', fileName: 'p.png', contentType: 'image/png', data: photo }] },
  });
  const rows: BenchRow[] = [];
  try {
    const sod = createSodEngine(deps);
    // Memory first, while no other model is loaded: two matting tasks at once on a large photo (the
    // case where every pool worker used to load its own ISNet session).
    const large = await sharp(readFileSync(PHOTO)).resize(3000, 2250, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
    const largeJob: EngineJob = { taskId: 'bench-large', feature: 'sod', params: {}, files: { src_ids: [{ fileId: 'l', fileName: 'l.jpg', contentType: 'image/jpeg', data: large }] } };
    rows.push(await measure('sod 3000×2250, 2 tasks at once (cold)', 'darkroom: ISNet in one matting thread', () => Promise.all([sod.run(largeJob, ctx), sod.run(largeJob, ctx)])));
    const enhance = createEnhanceEngine(deps);
    await measure('warm-up', 'load models in workers', async () => {
      await enhance.warmUp!();
      await sod.warmUp!();
    });
    rows.push(await measure('enhance x2 1024→2048', 'darkroom: esrgan-slim on onnxruntime + back-projection, 256 px tiles on 2 workers (first task)', () => enhance.run(job('enhance', { scale: 2 }), ctx)));
    rows.push(await measure('enhance x2 1024→2048', 'darkroom: esrgan-slim on onnxruntime + back-projection, 256 px tiles on 2 workers (warm)', () => enhance.run(job('enhance', { scale: 2 }), ctx)));
    rows.push(await measure('enhance x1 1024', 'darkroom: light restoration (cored unsharp mask, no network)', () => enhance.run(job('enhance', { scale: 1 }), ctx)));
    rows.push(await measure('sod 1024', 'darkroom: ISNet medium on onnxruntime (one matting thread, all cores)', () => sod.run(job('sod'), ctx)));
    rows.push(await measure('bg-replace 1024 (+color)', 'darkroom: ISNet + composite', () => createBgReplaceEngine(deps).run(job('bg-replace', { background_color: '#336699' }), ctx)));
    rows.push(await measure('bg-blur 1024 (+blur 60)', 'darkroom: ISNet + weighted blur', () => createBgBlurEngine(deps).run(job('bg-blur', { blur_strength: 60 }), ctx)));
    await checkNsfw(deps.pool, sharp(photo), { modelsDir: deps.config.engines.modelsDir, threshold: 0.7 });
    rows.push(await measure('nsfw check 1024', 'darkroom: nsfwjs MobileNetV2 (warm)', () => checkNsfw(deps.pool, sharp(photo), { modelsDir: deps.config.engines.modelsDir, threshold: 0.7 })));
  } finally {
    await deps.pool.destroy();
  }

  // Bare libraries, in this (main) thread, on the same photo.
  const imgly = await imglyAnchor(photo);
  rows.push(await measure('sod 1024', 'bare: @imgly/background-removal-node removeBackground(medium), warm', imgly.run));
  const upscaler = await upscalerAnchor(photo);
  rows.push(await measure('enhance x2 1024→2048', 'bare: upscaler + esrgan-slim, patch 192, padding 8, one thread', upscaler.run));
  await upscaler.close();
  return rows;
}

if (isMain(import.meta.url)) report('neural', await run());
