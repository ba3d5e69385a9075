import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import sharp from 'sharp';
import { loadConfig, type DarkroomConfig } from '../../../src/config.js';
import type { EngineFile, EngineJob, EngineRunContext, WorkerPool } from '../../../src/engines/engine.js';
import { createEngineRegistry } from '../../../src/engines/registry.js';
import { routeFeature } from '../../../src/engines/routing/preference.js';
import { featureStatus } from '../../../src/engines/routing/status.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { PAINT, startFakeA1111, type FakeA1111 } from '../generative/fake-engines.js';
import { tinyInpaintModel } from '../../helpers/tiny-onnx.js';
import { installLocalModel } from './install.js';

const log = pino({ level: 'silent' });
const W = 256, H = 192;
let pool: WorkerPool;
let fake: FakeA1111;
let photo: Buffer;
let mask: Buffer;

const png = (data: Buffer, w: number, h: number, channels: 1 | 3) => sharp(data, { raw: { width: w, height: h, channels } }).png().toBuffer();
const file = (data: Buffer, name: string): EngineFile => ({ fileId: name, fileName: name, contentType: 'image/png', data });
const ctx = (): EngineRunContext => ({ signal: new AbortController().signal, reportProgress: () => undefined, log });

function config(opts: { diffusion?: boolean; onnx?: boolean }): DarkroomConfig {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-routing-'));
  const modelsDir = path.join(dataDir, 'models');
  // The tiny LaMa-signature model paints the hole (1, 0, 1): magenta, like the fake backend.
  if (opts.onnx) installLocalModel(modelsDir, { name: 'test-lama', role: 'inpaint', signature: 'lama', features: ['obj-removal', 'out-paint'], file: 'model.onnx', bytes: tinyInpaintModel([1, 0, 1]) });
  return loadConfig({ dataDir, engines: { modelsDir, nsfw: { enabled: false, threshold: 0.7 } }, diffusion: { a1111: opts.diffusion ? [fake.url] : [] } }, {});
}

const removal = (): EngineJob => ({ taskId: 't', feature: 'obj-removal', files: { src_ids: [file(photo, 'p.png')], mask_ids: [file(mask, 'm.png')] }, params: {}, outputExt: 'png' });
const extend = (): EngineJob => ({
  taskId: 't', feature: 'out-paint', files: { src_ids: [file(photo, 'p.png')] }, outputExt: 'png',
  params: { output_width: 320, output_height: 240, input_x: 32, input_y: 24, input_width: W, input_height: H, crop_input_x: 0, crop_input_y: 0, crop_input_width: W, crop_input_height: H },
});

async function magentaShare(out: Buffer, pick: (x: number, y: number) => boolean): Promise<number> {
  const { data, info } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let hit = 0, n = 0;
  for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) {
    if (!pick(x, y)) continue;
    n++;
    const i = (y * info.width + x) * 3;
    if (Math.abs(data[i] - PAINT[0]) < 30 && data[i + 1] < 40 && Math.abs(data[i + 2] - PAINT[2]) < 30) hit++;
  }
  return hit / n;
}

const inHole = (x: number, y: number) => x >= 100 && x < 150 && y >= 70 && y < 120;
const onBorder = (x: number, y: number) => x < 28 || y < 20 || x >= 32 + W + 4 || y >= 24 + H + 4;

before(async () => {
  pool = createWorkerPool(2);
  fake = await startFakeA1111();
  // A textured photo (PatchMatch has something to copy) and a rectangular hole.
  const rgb = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.set([60 + ((x * 7 + y * 3) % 90), 120 + ((x * 5) % 60), 40 + ((y * 11) % 70)], (y * W + x) * 3);
  photo = await png(rgb, W, H, 3);
  const m = Buffer.alloc(W * H);
  for (let y = 70; y < 120; y++) m.fill(255, y * W + 100, y * W + 150);
  mask = await png(m, W, H, 1);
});
after(async () => {
  await pool.destroy();
  await fake.close();
});

describe('engine routing: diffusion backend, then ONNX model, then the classical method', () => {
  test('with neither, PatchMatch serves object removal and extension and the results say so', async () => {
    const cfg = config({});
    const engines = createEngineRegistry({ config: cfg, log, pool });
    const route = routeFeature('obj-removal', cfg)!;
    assert.equal(route.serving?.id, 'patchmatch');
    assert.deepEqual(route.upgrades.map((u) => u.option.id), ['diffusion-inpaint', 'onnx-inpaint', 'embedded-inpaint']);
    assert.match(route.upgrades[1].how, /darkroom models pull lama/);
    assert.match(route.upgrades[2].how, /darkroom models pull lcm-dreamshaper-v7/);
    const out = await engines.get('obj-removal')!.run(removal(), ctx());
    assert.equal(out[0].meta?.engine, 'patchmatch');
    assert.ok((await magentaShare(out[0].data, inHole)) < 0.05);
    const ext = await engines.get('out-paint')!.run(extend(), ctx());
    assert.equal(ext[0].meta?.engine, 'patchmatch');
    // Colorize has no classical engine: unavailable, with the pull command to fix it.
    const colorize = featureStatus(cfg, engines).find((f) => f.feature === 'colorize')!;
    assert.equal(colorize.available, false);
    assert.match(colorize.upgrade ?? '', /models pull ddcolor/);
  });

  test('with an inpainting model installed, the model serves both features', async () => {
    const cfg = config({ onnx: true });
    const engines = createEngineRegistry({ config: cfg, log, pool });
    assert.equal(routeFeature('obj-removal', cfg)?.model, 'test-lama');
    const out = await engines.get('obj-removal')!.run(removal(), ctx());
    assert.equal(out[0].meta?.engine, 'test-lama');
    assert.ok((await magentaShare(out[0].data, inHole)) > 0.95, 'hole painted by the model');
    const ext = await engines.get('out-paint')!.run(extend(), ctx());
    assert.equal(ext[0].meta?.engine, 'test-lama');
    assert.ok((await magentaShare(ext[0].data, onBorder)) > 0.9, 'border painted by the model');
    assert.ok((await magentaShare(ext[0].data, (x, y) => x >= 40 && x < 32 + W - 8 && y >= 32 && y < 24 + H - 8)) < 0.01, 'placed photo kept');
  });

  test('with a diffusion backend configured, its inpainting workflow runs first', async () => {
    const cfg = config({ diffusion: true, onnx: true });
    const engines = createEngineRegistry({ config: cfg, log, pool });
    const before = fake.requests.length;
    const out = await engines.get('obj-removal')!.run(removal(), ctx());
    assert.equal(out[0].meta?.engine, 'diffusion-inpaint');
    assert.ok(fake.requests.slice(before).some((r) => r.path.includes('img2img')), 'the backend was asked to inpaint');
    // The backend's result is pasted through a feathered edge: look inside it.
    assert.ok((await magentaShare(out[0].data, (x, y) => x >= 106 && x < 144 && y >= 76 && y < 114)) > 0.95);
    const ext = await engines.get('out-paint')!.run(extend(), ctx());
    assert.equal(ext[0].meta?.engine, 'diffusion-inpaint');
    // Outside the feathered edge (at most 12 px into the border), the border is the backend's.
    const outerBorder = (x: number, y: number) => x < 20 || y < 12 || x >= 300 || y >= 228;
    assert.ok((await magentaShare(ext[0].data, outerBorder)) > 0.95);
    const status = featureStatus(cfg, engines).find((f) => f.feature === 'obj-removal')!;
    assert.match(status.engine ?? '', /diffusion/);
    assert.equal(status.upgrade, undefined);
  });
});
