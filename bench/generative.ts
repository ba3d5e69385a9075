/**
 * Generative features, Darkroom's own side: face analysis + hair mask, and each engine end to end
 * against a local stand-in diffusion engine that answers at once (so the numbers are Darkroom's
 * overhead, not diffusion time, which depends on the operator's GPU). Run alone with
 * `npx tsx bench/generative.ts`; writes bench/results/generative.json.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import type { EngineFile, EngineJob } from '../src/engines/engine.js';
import { analyzeFaces, checkFaceRules } from '../src/engines/face/analysis.js';
import { hairMask } from '../src/engines/generative/hair/engine.js';
import { createFeatureEngine } from '../src/engines/registry.js';
import type { GenerativeDeps } from '../src/engines/generative/shared.js';
import { createWorkerPool } from '../src/engines/runtime/pool.js';
import { feature } from '../src/features/table.js';
import { startFakeA1111 } from '../test/engines/generative/fake-engines.js';
import { isMain, measure, report, TESTDATA, type BenchRow } from './support.js';

export async function run(): Promise<BenchRow[]> {
  const fake = await startFakeA1111({ delayMs: 0 });
  const log = pino({ level: 'silent' });
  const pool = createWorkerPool(1);
  const config = loadConfig({ dataDir: mkdtempSync(path.join(tmpdir(), 'darkroom-bench-gen-')), diffusion: { a1111: [fake.url] } }, {});
  const deps: GenerativeDeps = { config, log, pool };
  const ctx = { signal: new AbortController().signal, reportProgress: () => undefined, log };
  const file = (data: Buffer, name: string): EngineFile => ({ fileId: name, fileName: name, contentType: 'image/jpeg', data });
  const portrait = await sharp(path.join(TESTDATA, 'astronaut.png')).jpeg({ quality: 95 }).toBuffer();
  const portrait1024 = await sharp(path.join(TESTDATA, 'astronaut.png')).resize(1024, 1024).jpeg({ quality: 95 }).toBuffer();
  const rows: BenchRow[] = [];
  const human = 'human FaceMesh + RVM on tfjs-wasm (1 worker)';
  try {
    const raw512 = await sharp(portrait).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { data: raw512.data, width: 512, height: 512, channels: 3 as const };
    const maskOnce = async () => {
      const face = checkFaceRules(await analyzeFaces(pool, image), feature('hair-style').limits.face!);
      return hairMask(deps, { rgb: new Uint8Array(image.data), width: 512, height: 512, feature: 'hair-style', mesh: face.mesh });
    };
    rows.push(await measure('warm-up: face + matte models', human, maskOnce, 'first call loads both models'));
    rows.push(await measure('face analysis + hair mask 512 px', human, maskOnce));
    const job = (id: EngineJob['feature'], files: EngineJob['files'], params: Record<string, unknown>): EngineJob => ({ taskId: 'bench', feature: id, files, params, outputExt: 'jpg' });
    const hairStyle = createFeatureEngine('hair-style', deps);
    const params = { style_group_id: 2001, style_ids: [200101] };
    rows.push(await measure('hair-style 512 px, end to end', `${human} + crop/paste + NSFW check`, () => hairStyle.run(job('hair-style', { src_ids: [file(portrait, 'p.jpg')] }, params), ctx), 'stand-in engine answers at once: Darkroom overhead only'));
    rows.push(await measure('hair-style 1024 px, end to end', `${human} + crop/paste + NSFW check`, () => hairStyle.run(job('hair-style', { src_ids: [file(portrait1024, 'p.jpg')] }, params), ctx), 'stand-in engine answers at once'));
    const big = await sharp(path.join(TESTDATA, 'home.jpg')).resize(2048, 1024, { fit: 'fill' }).png().toBuffer();
    const m = Buffer.alloc(2048 * 1024);
    for (let y = 300; y < 700; y++) for (let x = 800; x < 1400; x++) m[y * 2048 + x] = 255;
    const mask = await sharp(m, { raw: { width: 2048, height: 1024, channels: 1 } }).png().toBuffer();
    const replace = createFeatureEngine('obj-replace', deps);
    rows.push(await measure('obj-replace 2048x1024, 600x400 mask', 'crop + inner feather + exact paste-back (worker)', () => replace.run({ ...job('obj-replace', { src_ids: [file(big, 'b.png')], msk_ids: [file(mask, 'm.png')] }, { prompt: 'a sofa' }), outputExt: 'png' }, ctx), 'stand-in engine answers at once; PNG out'));
    const t2i = createFeatureEngine('text-to-image', deps);
    rows.push(await measure('text-to-image 1024x1024', 'A1111 adapter + NSFW check + JPEG encode', () => t2i.run(job('text-to-image', {}, { prompt: 'a lighthouse', style_group_id: 1001, style_ids: [100101] }), ctx), 'stand-in engine answers at once'));
  } finally {
    await pool.destroy();
    await fake.close();
  }
  return rows;
}

if (isMain(import.meta.url)) report('generative', await run());
