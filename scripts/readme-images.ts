/**
 * Regenerates the README's pictures of the classical pixel features and enhance by running the real
 * engines (as `createFeatureEngine` builds them, with an empty models directory, so what is shown is
 * what a fresh install does) on the shared test photos (DARKROOM_TESTDATA overrides the folder):
 *
 *   docs/images/pixel-obj-removal.jpg           messi5.jpg with the ball circled | ball removed
 *   docs/images/pixel-out-paint.jpg             chelsea.png | extended to a canvas 1.5x its side
 *   docs/images/pixel-color-correct.jpg         fruits.jpg under a blue cast | neutral | warm | cool | vivid
 *   docs/images/neural-enhance-before-after.jpg a 200x160 crop of chelsea.png x2: cubic | Darkroom
 *
 * Usage: npx tsx scripts/readme-images.ts [obj-removal|out-paint|color-correct|enhance …]
 *        (all four without arguments; all photos ≤ 548 px; about 20 s on 2 cores)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import sharp from 'sharp';
import { scaleLinear } from '../bench/quality/metrics.js';
import { decodeRgb, encodePng } from '../bench/quality/images.js';
import { TESTDATA } from '../bench/support.js';
import { loadConfig } from '../src/config.js';
import type { EngineDeps, EngineFile, EngineRunContext } from '../src/engines/engine.js';
import { cubicUpscale } from '../src/engines/neural/backproject.js';
import { createFeatureEngine } from '../src/engines/registry.js';
import { createWorkerPool } from '../src/engines/runtime/pool.js';
import { checkParams } from '../src/features/check.js';
import type { FeatureId } from '../src/features/table.js';

const OUT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/images');
const GAP = 6;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-readme-images-'));
const deps: EngineDeps = {
  config: loadConfig({ dataDir, engines: { modelsDir: path.join(dataDir, 'models'), nsfw: { enabled: false, threshold: 0.7 } } }),
  log: pino({ level: 'silent' }),
  pool: createWorkerPool(2),
};
const ctx: EngineRunContext = { signal: new AbortController().signal, reportProgress: () => undefined, log: deps.log };

const photo = (name: string) => readFileSync(path.join(TESTDATA, name));
const file = (data: Buffer, name: string): EngineFile => ({ fileId: name, fileName: name, contentType: 'image/png', data });

/** Runs one feature as the task service would: params through the feature contract, files as uploaded. */
async function run(feature: FeatureId, files: Record<string, Buffer[]>, params: Record<string, unknown> = {}): Promise<Buffer[]> {
  const counts = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.length]));
  const engineFiles = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.map((d, i) => file(d, `${k}${i}.png`))]));
  const out = await createFeatureEngine(feature, deps).run({ taskId: `readme-${feature}`, feature, files: engineFiles, params: checkParams(feature, params, { files: counts }), outputExt: 'png' }, ctx);
  return out.map((o) => o.data);
}

/** The pictures side by side at one height, `GAP` px of white between them, as the README's JPEG. */
async function writeRow(name: string, parts: Buffer[], height: number): Promise<void> {
  const scaled = await Promise.all(parts.map((p) => sharp(p).removeAlpha().resize({ height, kernel: 'lanczos3' }).png().toBuffer({ resolveWithObject: true })));
  let left = -GAP;
  const layers = scaled.map((s) => ({ input: s.data, top: 0, left: (left += GAP + s.info.width) - s.info.width }));
  const jpg = await sharp({ create: { width: left, height, channels: 3, background: '#ffffff' } }).composite(layers).jpeg({ quality: 88 }).toBuffer();
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(path.join(OUT_DIR, name), jpg);
  console.log(`wrote docs/images/${name} (${left}x${height})`);
}

async function objectRemoval(): Promise<void> {
  // The ball in messi5.jpg (548x342), as test/engines/pixel/object-removal.test.ts measured it.
  const src = photo('messi5.jpg');
  const { width: W = 548, height: H = 342 } = await sharp(src).metadata();
  const ball = { x: 362, y: 312, r: 30 };
  const px = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - ball.x) ** 2 + (y - ball.y) ** 2 <= ball.r ** 2) px[y * W + x] = 255;
  const mask = await sharp(px, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
  const [out] = await run('obj-removal', { src_ids: [src], mask_ids: [mask] });
  const ring = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><circle cx="${ball.x}" cy="${ball.y}" r="${ball.r + 1}" fill="none" stroke="#e040c0" stroke-width="3"/></svg>`);
  const marked = await sharp(src).composite([{ input: ring }]).png().toBuffer();
  await writeRow('pixel-obj-removal.jpg', [marked, out], H);
}

async function outPaint(): Promise<void> {
  // The whole photo (its 450x300 3:2 part) scaled to two thirds of the canvas's side, in its middle.
  const crop = { x: 0, y: 0, width: 450, height: 300 };
  const [out] = await run('out-paint', { src_ids: [photo('chelsea.png')] }, {
    output_width: 540, output_height: 360,
    input_x: 90, input_y: 60, input_width: 360, input_height: 240,
    crop_input_x: crop.x, crop_input_y: crop.y, crop_input_width: crop.width, crop_input_height: crop.height,
  });
  const input = await sharp(photo('chelsea.png')).extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height }).png().toBuffer();
  await writeRow('pixel-out-paint.jpg', [input, out], 360);
}

async function colorCorrect(): Promise<void> {
  // fruits.jpg (512x480) under a bluish light: channel gains in linear light, as a real cast is.
  const cast = await encodePng(scaleLinear(await decodeRgb(photo('fruits.jpg')), [0.8, 1, 1.25]));
  const grades = await run('color-correct', { src_ids: [cast] });
  await writeRow('pixel-color-correct.jpg', [cast, ...grades], 240);
}

async function enhance(): Promise<void> {
  // The cat's eyes at the photo's own resolution, enlarged x2 by a centre-aligned cubic and by enhance.
  const { data } = await sharp(photo('chelsea.png')).extract({ left: 130, top: 60, width: 200, height: 160 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const small = await sharp(data, { raw: { width: 200, height: 160, channels: 3 } }).png().toBuffer();
  const cubicPx = Uint8Array.from(cubicUpscale(Float32Array.from(data), 200, 160, 3, 2), (v) => Math.max(0, Math.min(255, Math.round(v))));
  const cubic = await encodePng({ data: cubicPx, width: 400, height: 320 });
  const [out] = await run('enhance', { src_ids: [small] }, { scale: 2 });
  await writeRow('neural-enhance-before-after.jpg', [cubic, out], 320);
}

try {
  // Feature names on the command line narrow the run (`out-paint` regenerates only the extender's picture).
  const steps = { 'obj-removal': objectRemoval, 'out-paint': outPaint, 'color-correct': colorCorrect, enhance };
  const wanted = process.argv.slice(2);
  for (const [name, step] of Object.entries(steps)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    const t0 = performance.now();
    await step();
    console.log(`  ${step.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
} finally {
  await deps.pool.destroy();
  rmSync(dataDir, { recursive: true, force: true });
}
