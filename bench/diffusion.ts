/**
 * The embedded diffusion engine's time and memory per image. With a real model installed
 * (`darkroom models pull lcm-dreamshaper-v7`, or DARKROOM_MODELS_DIR pointing at one) it measures
 * text-to-image cold (models loading) and warm, and inpainting, at the configured working size;
 * without one it runs the tests' tiny model at the same size, which measures Darkroom's own cost
 * (tokenizer, scheduler, latent blending, thread hops, PNG) and nothing of the networks'.
 * Run alone with `npx tsx bench/diffusion.ts`; writes bench/results/diffusion.json.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { installedDiffusionModel } from '../src/engines/diffusion/index.js';
import { EmbeddedDiffusionBackend } from '../src/engines/diffusion/embedded-backend.js';
import { createWorkerPool } from '../src/engines/runtime/pool.js';
import { installTinyDiffusion } from '../test/engines/diffusion/tiny-diffusion.js';
import sharp from 'sharp';
import { isMain, measure, report, TESTDATA, type BenchRow } from './support.js';

export async function run(): Promise<BenchRow[]> {
  const config = loadConfig({ dataDir: mkdtempSync(path.join(tmpdir(), 'darkroom-bench-sd-')) }, process.env);
  let modelsDir = config.engines.modelsDir;
  let spec = installedDiffusionModel(modelsDir);
  const real = spec !== undefined;
  if (!spec) {
    modelsDir = mkdtempSync(path.join(tmpdir(), 'darkroom-bench-tiny-sd-'));
    installTinyDiffusion(modelsDir);
    spec = installedDiffusionModel(modelsDir)!;
  }
  const pool = createWorkerPool(1, { idleMs: 0 });
  const settings = config.diffusion.embedded;
  const backend = new EmbeddedDiffusionBackend(pool, spec, modelsDir, settings);
  const opts = { signal: new AbortController().signal, timeoutMs: 30 * 60_000 };
  const impl = `${spec.name}, ${settings.steps} LCM steps at ${settings.size}²${real ? '' : ' (tiny test model: Darkroom overhead only)'}`;
  const req = { feature: 'text-to-image', prompt: 'a lighthouse on a cliff at dusk, photo', negativePrompt: '', width: settings.size, height: settings.size, seed: 42, settings: {} };
  const photo = await sharp(path.join(TESTDATA, 'chelsea.png')).resize(settings.size, settings.size, { fit: 'cover' }).png().toBuffer();
  const m = Buffer.alloc(settings.size * settings.size);
  for (let y = settings.size / 4; y < (3 * settings.size) / 4; y++) m.fill(255, y * settings.size + settings.size / 4, y * settings.size + (3 * settings.size) / 4);
  const mask = await sharp(m, { raw: { width: settings.size, height: settings.size, channels: 1 } }).png().toBuffer();
  const rows: BenchRow[] = [];
  try {
    rows.push(await measure('text-to-image, cold (loads the models)', impl, () => backend.txt2img(req, opts)));
    rows.push(await measure('text-to-image, warm', impl, () => backend.txt2img({ ...req, seed: 43 }, opts)));
    rows.push(await measure('inpainting a centred half-side square, warm', impl, () => backend.inpaint({ ...req, prompt: 'a red ball', image: photo, mask, settings: { denoise: 1 } }, opts)));
  } finally {
    await pool.destroy();
  }
  return rows;
}

if (isMain(import.meta.url)) report('diffusion', await run());
