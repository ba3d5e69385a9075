import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { axisWeights, BandBlender, cropRegion, planTiles } from '../../../src/engines/runtime/tiles.js';

/** Stands in for a model: nearest-neighbour upscale, so a perfect tiler reproduces it exactly. */
function nearest(src: Uint8Array, w: number, h: number, S: number): Uint8Array {
  const out = new Uint8Array(w * S * h * S * 3);
  for (let y = 0; y < h * S; y++) for (let x = 0; x < w * S; x++) for (let c = 0; c < 3; c++) out[(y * w * S + x) * 3 + c] = src[(Math.floor(y / S) * w + Math.floor(x / S)) * 3 + c];
  return out;
}

describe('tiling', () => {
  test('tiles cover the image, overlap by at least the asked amount, and stay inside it', () => {
    const plan = planTiles(1000, 300, 192, 16);
    assert.equal(plan.xs[0], 0);
    assert.equal(plan.xs.at(-1)! + plan.tileW, 1000);
    for (let i = 1; i < plan.xs.length; i++) assert.ok(plan.xs[i - 1] + plan.tileW - plan.xs[i] >= 16);
    assert.deepEqual(planTiles(100, 50, 192, 16), { xs: [0], ys: [0], tileW: 100, tileH: 50 });
  });

  test('neighbouring weights fade across the overlap and sum to one there', () => {
    const starts = [0, 176, 320];
    const a = axisWeights(starts, 0, 192, 2);
    const b = axisWeights(starts, 1, 192, 2);
    assert.equal(a[0], 1);
    assert.ok(a[383] < 0.05 && b[0] < 0.05);
    for (let k = 0; k < 32; k++) assert.ok(Math.abs(a[176 * 2 + k] + b[k] - 1) < 1e-5);
  });

  test('blending tile outputs reproduces the whole-image result exactly (no seams)', () => {
    const w = 301, h = 157, S = 2, tile = 64, overlap = 12;
    const src = new Uint8Array(w * h * 3);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7919) % 256;
    const plan = planTiles(w, h, tile, overlap);
    const blender = new BandBlender(w * S, h * S, 3, plan.tileH * S);
    plan.ys.forEach((y, r) => {
      blender.flush(y * S);
      const wy = axisWeights(plan.ys, r, plan.tileH, S);
      plan.xs.forEach((x, i) => {
        const t = nearest(cropRegion(src, w, 3, x, y, plan.tileW, plan.tileH), plan.tileW, plan.tileH, S);
        blender.add(t, x * S, y * S, plan.tileW * S, plan.tileH * S, axisWeights(plan.xs, i, plan.tileW, S), wy);
      });
    });
    blender.flush(h * S);
    assert.deepEqual(Buffer.from(blender.out), Buffer.from(nearest(src, w, h, S)));
  });
});
