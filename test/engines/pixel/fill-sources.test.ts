import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { blendExtension } from '../../../src/engines/pixel/extension-blend.js';
import { fillHole } from '../../../src/engines/pixel/hole-fill.js';
import { maskGrowth } from '../../../src/engines/pixel/object-removal.js';
import { xorshift32 } from '../../../src/util/xorshift.js';
import { saveArtifact, TESTDATA } from './helpers.js';

/** Mean squared luma Laplacian over the marked pixels: how much edge and texture they hold. */
function laplacianEnergy(rgb: Uint8Array, w: number, h: number, mark: (x: number, y: number) => boolean): number {
  const Y = (x: number, y: number) => { const i = 3 * (y * w + x); return 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2]; };
  let s = 0, n = 0;
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    if (!mark(x, y)) continue;
    const l = 4 * Y(x, y) - Y(x - 1, y) - Y(x + 1, y) - Y(x, y - 1) - Y(x, y + 1);
    s += l * l; n++;
  }
  return s / n;
}

describe('fill sources that belong to the hole', () => {
  it('a hole in the bokeh beside a cat is filled from the bokeh, not from the fur', async () => {
    const { data, info } = await sharp(path.join(TESTDATA, 'chelsea.png')).removeAlpha().resize(384).raw().toBuffer({ resolveWithObject: true });
    const w = info.width, h = info.height;
    const truth = new Uint8Array(data);
    const hole = new Uint8Array(w * h);
    const boxes = [[0.83, 0.12, 0.97, 0.38], [0.84, 0.5, 0.98, 0.76]].map(([a, b, c, d]) => [Math.round(a * w), Math.round(b * h), Math.round(c * w), Math.round(d * h)]);
    for (const [x0, y0, x1, y1] of boxes) for (let y = y0; y < y1; y++) hole.fill(1, y * w + x0, y * w + x1);
    const dilate = maskGrowth(w, h);
    const run = (belonging: boolean) => fillHole({ rgb: Uint8Array.from(truth), width: w, height: h, hole, dilate, detailRadius: 2 * dilate, settleRing: true, belonging });
    const inHole = (x: number, y: number) => hole[y * w + x] === 1;
    const withRing = run(true), without = run(false);
    const eTruth = laplacianEnergy(truth, w, h, inHole), eRing = laplacianEnergy(withRing, w, h, inHole), eAny = laplacianEnergy(without, w, h, inHole);
    await sharp(Buffer.from(withRing), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer().then((b) => saveArtifact('fill-sources-bokeh.png', b));
    // Measured at 384 px: the bokeh's own 7.4, sources judged against the ring 18.7, any source 138 (fur strands in the bokeh).
    assert.ok(eRing < 4 * eTruth, `edge energy in the hole ${eRing.toFixed(1)} vs the bokeh's own ${eTruth.toFixed(1)}`);
    assert.ok(eRing < eAny / 3, `judging sources against the ring keeps the bokeh smooth: ${eRing.toFixed(1)} vs ${eAny.toFixed(1)} from any source`);
  });
});

describe('extensions far from the input', () => {
  const W = 240, H = 160;
  const rect = { x: 90, y: 60, width: 60, height: 40 };
  /** A grainy input; outside it a garbled exemplar fill: flat patches of other colours with hard edges between them. */
  function garbled(): Uint8Array {
    const rand = xorshift32(3);
    const out = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const inside = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
      const patch = ((x >> 4) + (y >> 4)) % 3;
      const v = inside ? 120 + 6 * (rand() - 0.5) : [60, 120, 200][patch];
      for (let c = 0; c < 3; c++) out[3 * (y * W + x) + c] = Math.round(v);
    }
    return out;
  }

  it('keeps the exemplar fill next to the input and hands over to a smooth, grainy continuation far out', () => {
    const fill = garbled();
    const out = blendExtension(fill, W, H, rect);
    let nearSame = 0, near = 0, step = 0, steps = 0, grain = 0, g = 0;
    for (let y = 1; y < H - 1; y++) for (let x = 1; x < W - 1; x++) {
      const d = Math.max(rect.x - x, x - rect.x - rect.width + 1, rect.y - y, y - rect.y - rect.height + 1);
      const p = 3 * (y * W + x);
      if (d > 0 && d <= 2) { near++; if (out[p] === fill[p]) nearSame++; }
      if (d >= 20) {
        // Steps between neighbours far out: the garble's 60..200 jumps must be gone.
        step = Math.max(step, Math.abs(out[p] - out[p + 3]), Math.abs(out[p] - out[p + 3 * W]));
        steps++;
        grain += (out[p] - (out[p - 3] + out[p + 3] + out[p - 3 * W] + out[p + 3 * W]) / 4) ** 2; g++;
      }
    }
    assert.equal(nearSame, near, 'next to the input the exemplar fill is kept as it is');
    assert.ok(steps > 0 && step < 40, `largest step between neighbours far from the input ${step} (the garble's is 140)`);
    // The input's grain is uniform ±3 (σ ≈ 1.7); far out the continuation carries grain, not a flat wash.
    const rms = Math.sqrt(grain / g);
    assert.ok(rms > 0.5 && rms < 8, `fine detail far out ${rms.toFixed(2)} levels RMS`);
  });
});
