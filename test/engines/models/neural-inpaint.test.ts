/**
 * The window an inpainting network sees: a square around the hole, padded (never stretched) where
 * the photo is narrower than the square, scaled uniformly to the model's 512².
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkerPool } from '../../../src/engines/engine.js';
import type { InpaintKernelRequest } from '../../../src/engines/models/model-kernel.js';
import { inpaintWindow, neuralInpaint } from '../../../src/engines/pixel/neural-inpaint.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { tinyInpaintModel } from '../../helpers/tiny-onnx.js';
import { installLocalModel } from './install.js';

let pool: WorkerPool;
before(() => void (pool = createWorkerPool(1)));
after(() => pool.destroy());

/** Bounding box of the pure-red pixels of an RGB image, from row `fromY` down. */
function redBox(rgb: Uint8Array, w: number, h: number, fromY: number) {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = fromY; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 3;
    if (rgb[i] > 200 && rgb[i + 1] < 60 && rgb[i + 2] < 60) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, x0, y0 };
}

describe('neural inpainting window', () => {
  test('a wide, short photo: the window is a square padded above and below, not the strip stretched to 512²', () => {
    const win = inpaintWindow(1000, 300, { x0: 480, y0: 120, x1: 520, y1: 180 });
    assert.deepEqual([win.w, win.h, win.side], [512, 300, 512]);
    assert.equal(win.padTop, 106);
    assert.equal(win.padLeft, 0);
  });

  test('the model sees the photo at one scale both ways, and the fill lands back on the hole only', async () => {
    const w = 1000, h = 300;
    const rgb = new Uint8Array(w * h * 3).fill(90);
    // A 40×40 red square beside the hole: its shape in the model's input shows any stretching.
    for (let y = 100; y < 140; y++) for (let x = 400; x < 440; x++) rgb.set([255, 0, 0], (y * w + x) * 3);
    const grown = new Uint8Array(w * h);
    const alpha = new Float32Array(w * h);
    for (let y = 120; y < 180; y++) for (let x = 480; x < 520; x++) (grown[y * w + x] = 1), (alpha[y * w + x] = 1);
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-window-'));
    const modelPath = installLocalModel(modelsDir, { name: 'win-lama', role: 'inpaint', signature: 'lama', features: ['obj-removal'], file: 'model.onnx', bytes: tinyInpaintModel([0, 1, 0]) });
    let seen: InpaintKernelRequest | undefined;
    const recording: WorkerPool = { ...pool, run: (m, fn, args, o) => ((seen = args as InpaintKernelRequest), pool.run(m, fn, args, o)) };
    const out = await neuralInpaint(recording, modelPath, { rgb, width: w, height: h }, grown, alpha, new AbortController().signal);
    assert.ok(seen);
    // Below the mirrored padding (which reflects the square's top rows too).
    const box = redBox(seen.rgb, seen.size, seen.size, 110);
    assert.ok(Math.abs(box.w - box.h) <= 2, `the square arrived as ${box.w}×${box.h}`);
    assert.ok(Math.abs(box.w - 40) <= 2, `at the photo's own scale (512 px window): ${box.w}`);
    const at = (x: number, y: number) => Array.from(out.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
    assert.deepEqual(at(500, 150), [0, 255, 0], 'the fill is in the hole');
    assert.deepEqual(at(420, 120), [255, 0, 0], 'outside the mask nothing changed');
    assert.deepEqual(at(600, 20), [90, 90, 90]);
  });
});

describe('neural inpainting window at the photo edge', () => {
  test('a hole touching the edge of a short photo: its mirrored copy in the padding is hole too, never context', async () => {
    const w = 900, h = 200;
    // The hole's pixels hold a colour found nowhere else (what an out-paint canvas holds before it is filled).
    const rgb = new Uint8Array(w * h * 3).fill(90);
    const grown = new Uint8Array(w * h);
    const alpha = new Float32Array(w * h);
    for (let y = 0; y < 40; y++) for (let x = 400; x < 500; x++) (grown[y * w + x] = 1), (alpha[y * w + x] = 1), rgb.set([255, 0, 0], (y * w + x) * 3);
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-window-edge-'));
    const modelPath = installLocalModel(modelsDir, { name: 'edge-lama', role: 'inpaint', signature: 'lama', features: ['obj-removal'], file: 'model.onnx', bytes: tinyInpaintModel([0, 1, 0]) });
    let seen: InpaintKernelRequest | undefined;
    const recording: WorkerPool = { ...pool, run: (m, fn, args, o) => ((seen = args as InpaintKernelRequest), pool.run(m, fn, args, o)) };
    await neuralInpaint(recording, modelPath, { rgb, width: w, height: h }, grown, alpha, new AbortController().signal);
    assert.ok(seen);
    // Every red pixel the model is shown (in the photo or in its mirrored padding) is marked as hole.
    let redAsContext = 0;
    for (let i = 0; i < seen.size * seen.size; i++) if (seen.rgb[3 * i] > 200 && seen.rgb[3 * i + 1] < 60 && !seen.hole[i]) redAsContext++;
    assert.ok(redAsContext < seen.size * 2, `${redAsContext} red pixels shown as known context`);
  });
});
