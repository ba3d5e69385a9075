/**
 * Enhance with an installed Real-ESRGAN: tiny ONNX models with the real signature (input [1,3,h,w]
 * 0..1 → output [1,3,s·h,s·w] 0..1) that nearest-upsample, so the exact result is known.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config.js';
import type { EngineDeps, WorkerPool } from '../../../src/engines/engine.js';
import { listModels } from '../../../src/engines/models/list.js';
import { areaDownscale } from '../../../src/engines/neural/backproject.js';
import { createEnhanceEngine } from '../../../src/engines/neural/enhance.js';
import { routeFeature } from '../../../src/engines/routing/preference.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { installLocalModel } from '../models/install.js';
import { onnxModel } from '../../helpers/tiny-onnx.js';
import { ctx, job, photo, rawOf } from './helpers.js';

/** Real-ESRGAN's signature; nearest-neighbour ×`scale`, plus `offset` (0..1 units) to every value. */
function tinySr(scale: 2 | 4, offset = 0, fixedSide?: number): Buffer {
  return onnxModel({
    inputs: [{ name: 'input', dims: fixedSide ? [1, 3, fixedSide, fixedSide] : [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'output', dims: fixedSide ? [1, 3, scale * fixedSide, scale * fixedSide] : [1, 3, 'H', 'W'] }],
    inits: [{ name: 'scales', dims: [4], values: [1, 1, scale, scale] }, { name: 'offset', dims: [], values: [offset] }],
    nodes: [
      { op: 'Resize', in: ['input', '', 'scales'], out: ['up'] },
      { op: 'Add', in: ['up', 'offset'], out: ['output'] },
    ],
  });
}

let pool: WorkerPool;
const log = pino({ level: 'silent' });

/** Deps whose models folder holds the given tiny Real-ESRGAN models. */
function depsWith(models: { name: string; bytes: Buffer; rank?: number; maxPixels?: number }[], realEsrganMaxPixels?: number): EngineDeps {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-realesrgan-'));
  const modelsDir = path.join(dataDir, 'models');
  for (const m of models) installLocalModel(modelsDir, { name: m.name, role: 'super-resolution', signature: 'realesrgan', features: ['enhance'], file: 'model.onnx', bytes: m.bytes, rank: m.rank, maxPixels: m.maxPixels });
  return { config: loadConfig({ dataDir, engines: { modelsDir, realEsrganMaxPixels, nsfw: { enabled: false, threshold: 0.7 } } }, {}), log, pool };
}

/** A real photo's crop, larger than one 192-px tile both ways so seams would show. */
let input: { png: Buffer; rgb: Buffer; width: number; height: number };

function nearest(rgb: Buffer, w: number, h: number, S: number): Buffer {
  const out = Buffer.alloc(w * S * h * S * 3);
  for (let y = 0; y < h * S; y++) for (let x = 0; x < w * S; x++) rgb.copy(out, (y * w * S + x) * 3, (Math.floor(y / S) * w + Math.floor(x / S)) * 3, (Math.floor(y / S) * w + Math.floor(x / S)) * 3 + 3);
  return out;
}

function countDiff(a: Buffer, b: Buffer): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

before(async () => {
  pool = createWorkerPool(2);
  const width = 301, height = 223;
  const rgb = await sharp(photo('chelsea.png')).removeAlpha().extract({ left: 40, top: 20, width, height }).raw().toBuffer();
  input = { rgb, width, height, png: await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer() };
});
after(() => pool.destroy());

describe('enhance with an installed Real-ESRGAN', () => {
  test('x2 runs the model through the tiling: a nearest-upsampling model gives exactly the nearest enlargement, and meta names it', async () => {
    const engine = createEnhanceEngine(depsWith([{ name: 'rsr-x2', bytes: tinySr(2) }]));
    const [out] = await engine.run(job('enhance', input.png, { scale: 2 }), ctx());
    assert.equal(out.meta?.engine, 'rsr-x2');
    const r = await rawOf(out.data);
    assert.deepEqual([r.width, r.height], [602, 446]);
    // Tiles overlap and are blended; back-projection leaves a nearest enlargement as it is (its block
    // average is the input): any seam, offset or rounding slip shows as a differing byte.
    assert.equal(countDiff(r.data, nearest(input.rgb, input.width, input.height, 2)), 0);
  });

  test('memory is bounded by the tile, not the photo: no worker call carries more than one padded 192-px tile', async () => {
    const width = 900, height = 640;
    const rgb = await sharp(photo('building.jpg')).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const png = await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
    const deps = depsWith([{ name: 'rsr-x2', bytes: tinySr(2) }]);
    let largest = 0, calls = 0;
    const recording: WorkerPool = {
      ...pool,
      run: (module, fn, args, opts) => {
        const data = (args as { data?: Uint8Array }).data;
        if (data) (largest = Math.max(largest, data.length)), calls++;
        return pool.run(module, fn, args, opts);
      },
    };
    const [out] = await createEnhanceEngine({ ...deps, pool: recording }).run(job('enhance', png, { scale: 2 }), ctx());
    assert.ok(calls >= 20, `${calls} tiles`);
    assert.ok(largest <= (192 + 2 * 8) ** 2 * 3, `a worker got ${largest} bytes`);
    assert.equal(countDiff((await rawOf(out.data)).data, nearest(rgb, width, height, 2)), 0);
  });

  test('back-projection keeps a model that drifts consistent with the input', async () => {
    // The model brightens everything by 0.1 (25 grey levels): the result must not.
    const engine = createEnhanceEngine(depsWith([{ name: 'rsr-bright', bytes: tinySr(2, 0.1) }]));
    const [out] = await engine.run(job('enhance', input.png, { scale: 2 }), ctx());
    const r = await rawOf(out.data);
    const again = areaDownscale(Float32Array.from(r.data), r.width, r.height, 3, 2);
    let worst = 0, mean = 0;
    for (let i = 0; i < again.length; i++) {
      const d = again[i] - input.rgb[i];
      mean += d / again.length;
      // Saturated pixels cannot be brought back where the drift pushed their neighbours past 255.
      if (input.rgb[i] < 220) worst = Math.max(worst, Math.abs(d));
    }
    assert.ok(Math.abs(mean) < 0.5, `mean drift ${mean.toFixed(2)} grey levels`);
    assert.ok(worst <= 1.5, `block average differs from the input by up to ${worst}`);
  });

  test('an x4 model serves x2 (its output area-shrunk); an x2 model serves x4 (run twice); each scale prefers its own model', async () => {
    const only4 = createEnhanceEngine(depsWith([{ name: 'rsr-x4', bytes: tinySr(4) }]));
    const [x2] = await only4.run(job('enhance', input.png, { scale: 2 }), ctx());
    assert.equal(x2.meta?.engine, 'rsr-x4');
    assert.equal(countDiff((await rawOf(x2.data)).data, nearest(input.rgb, input.width, input.height, 2)), 0);

    const small = await sharp(input.rgb, { raw: { width: input.width, height: input.height, channels: 3 } }).extract({ left: 0, top: 0, width: 97, height: 75 }).raw().toBuffer();
    const smallPng = await sharp(small, { raw: { width: 97, height: 75, channels: 3 } }).png().toBuffer();
    const only2 = createEnhanceEngine(depsWith([{ name: 'rsr-x2', bytes: tinySr(2) }]));
    const [x4] = await only2.run(job('enhance', smallPng, { scale: 4 }), ctx());
    assert.equal(x4.meta?.engine, 'rsr-x2');
    const r4 = await rawOf(x4.data);
    assert.deepEqual([r4.width, r4.height], [388, 300]);
    assert.equal(countDiff(r4.data, nearest(small, 97, 75, 4)), 0);

    // Both installed: each scale runs the model made for it.
    const both = createEnhanceEngine(depsWith([{ name: 'rsr-a4', bytes: tinySr(4) }, { name: 'rsr-b2', bytes: tinySr(2) }]));
    const [b2] = await both.run(job('enhance', smallPng, { scale: 2 }), ctx());
    const [b4] = await both.run(job('enhance', smallPng, { scale: 4 }), ctx());
    assert.deepEqual([b2.meta?.engine, b4.meta?.engine], ['rsr-b2', 'rsr-a4']);
  });

  test('a photo above engines.realEsrganMaxPixels takes the shipped ESRGAN, and meta says why', async () => {
    const small = await sharp(input.rgb, { raw: { width: input.width, height: input.height, channels: 3 } }).extract({ left: 100, top: 60, width: 48, height: 40 }).png().toBuffer();
    const installed = [{ name: 'rsr-x2', bytes: tinySr(2) }];
    const [under] = await createEnhanceEngine(depsWith(installed, 48 * 40)).run(job('enhance', small, { scale: 2 }), ctx());
    assert.equal(under.meta?.engine, 'rsr-x2');
    const [over] = await createEnhanceEngine(depsWith(installed, 48 * 40 - 1)).run(job('enhance', small, { scale: 2 }), ctx());
    assert.equal(over.meta?.engine, "esrgan-psnr-small-x2 (photo above every installed Real-ESRGAN's size limit)");
    const raw = (await rawOf(small)).data;
    assert.equal(countDiff((await rawOf(under.data)).data, nearest(raw, 48, 40, 2)), 0, 'the tiny nearest model ran');
    assert.ok(countDiff((await rawOf(over.data)).data, nearest(raw, 48, 40, 2)) > 48 * 40 * 3, 'the shipped network ran');
  });

  test('a model of fixed input size gets tiles that fill it exactly, edge tiles padded: the result is still exact', async () => {
    // The published compact export takes 128² only; the old 208-px tiles and 16-px probe failed on it.
    const deps = depsWith([{ name: 'rsr-fixed', bytes: tinySr(4, 0, 64) }]);
    let largest = 0;
    const recording: WorkerPool = {
      ...pool,
      run: (module, fn, args, opts) => {
        const a = args as { width?: number; height?: number };
        if (a.width) largest = Math.max(largest, a.width, a.height ?? 0);
        return pool.run(module, fn, args, opts);
      },
    };
    const [out] = await createEnhanceEngine({ ...deps, pool: recording }).run(job('enhance', input.png, { scale: 2 }), ctx());
    assert.equal(out.meta?.engine, 'rsr-fixed');
    assert.equal(largest, 64, 'tiles with their context fill the 64² input');
    assert.equal(countDiff((await rawOf(out.data)).data, nearest(input.rgb, input.width, input.height, 2)), 0);
  });

  test('routing by photo size: a photo above the slow model\'s limit goes to the faster model that admits it, and meta says why', async () => {
    const models = [{ name: 'rsr-slow', bytes: tinySr(4), rank: 20 }, { name: 'rsr-fast', bytes: tinySr(4, 0, 64), rank: 10, maxPixels: 1e6 }];
    const small = await sharp(input.rgb, { raw: { width: input.width, height: input.height, channels: 3 } }).extract({ left: 100, top: 60, width: 48, height: 40 }).png().toBuffer();
    const [under] = await createEnhanceEngine(depsWith(models, 48 * 40)).run(job('enhance', small, { scale: 4 }), ctx());
    assert.equal(under.meta?.engine, 'rsr-slow');
    const [over] = await createEnhanceEngine(depsWith(models, 48 * 40 - 1)).run(job('enhance', small, { scale: 4 }), ctx());
    assert.equal(over.meta?.engine, "rsr-fast (photo 1920 px above rsr-slow's 1919 px)");
    assert.equal(countDiff((await rawOf(over.data)).data, nearest((await rawOf(small)).data, 48, 40, 4)), 0);
  });

  test('without Real-ESRGAN weights the shipped ESRGAN runs and is named', async () => {
    const engine = createEnhanceEngine(depsWith([]));
    const small = await sharp(input.rgb, { raw: { width: input.width, height: input.height, channels: 3 } }).extract({ left: 100, top: 60, width: 48, height: 40 }).png().toBuffer();
    const [out] = await engine.run(job('enhance', small, { scale: 2 }), ctx());
    assert.equal(out.meta?.engine, 'esrgan-psnr-small-x2');
    const r = await rawOf(out.data);
    assert.deepEqual([r.width, r.height], [96, 80]);
    // A network, not a nearest enlargement.
    const raw = (await rawOf(small)).data;
    assert.ok(countDiff(r.data, nearest(raw, 48, 40, 2)) > r.data.length / 4);
  });

  test('routing: Real-ESRGAN serves enhance when installed; otherwise the shipped ESRGAN, with the pull command as the upgrade', () => {
    const withModel = routeFeature('enhance', depsWith([{ name: 'rsr-x2', bytes: tinySr(2) }]).config)!;
    assert.equal(withModel.serving?.id, 'onnx-realesrgan');
    assert.equal(withModel.model, 'rsr-x2');
    const without = routeFeature('enhance', depsWith([]).config)!;
    assert.equal(without.serving?.id, 'esrgan');
    assert.equal(without.upgrades.length, 1);
    assert.match(without.upgrades[0].how, /darkroom models pull realesrgan-x4 \(or realesrgan-x2, realesr-general-x4v3\)/);
  });

  test('`models list` marks Real-ESRGAN and GFPGAN as used', () => {
    const rows = listModels(depsWith([]).config.engines.modelsDir);
    for (const name of ['realesrgan-x2', 'realesrgan-x4', 'realesr-general-x4v3', 'gfpgan-1.4']) assert.equal(rows.find((m) => m.name === name)?.wired, true, name);
  });
});
