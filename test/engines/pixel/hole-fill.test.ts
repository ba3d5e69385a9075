import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { fillHole } from '../../../src/engines/pixel/hole-fill.js';
import { harmonicFill } from '../../../src/engines/pixel/membrane.js';
import { maskGrowth } from '../../../src/engines/pixel/object-removal.js';
import { xorshift32 } from '../../../src/util/xorshift.js';
import { testFile } from './helpers.js';

const W = 200, H = 150;
const DILATE = 3;

function image(pixel: (x: number, y: number, n: () => number) => [number, number, number], seed = 5): Uint8Array {
  const rand = xorshift32(seed);
  const noise = () => rand() + rand() + rand() - 1.5; // roughly Gaussian, σ 0.5
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = pixel(x, y, noise);
    for (let c = 0; c < 3; c++) out[3 * (y * W + x) + c] = Math.max(0, Math.min(255, Math.round(v[c])));
  }
  return out;
}

function rect(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) m.fill(1, y * W + x0, y * W + x1);
  return m;
}

const fill = (rgb: Uint8Array, hole: Uint8Array) => fillHole({ rgb, width: W, height: H, hole, dilate: DILATE, detailRadius: 2 * DILATE, settleRing: true });

function holeError(out: Uint8Array, truth: Uint8Array, hole: Uint8Array): { mean: number; max: number } {
  let s = 0, n = 0, max = 0;
  for (let p = 0; p < W * H; p++) {
    if (!hole[p]) continue;
    for (let c = 0; c < 3; c++) { const d = Math.abs(out[3 * p + c] - truth[3 * p + c]); s += d; n++; max = Math.max(max, d); }
  }
  return { mean: s / n, max };
}

describe('hole fill: do no harm', () => {
  it('the harmonic membrane reproduces a linear ramp across a hole', () => {
    const w = 64, h = 48;
    const v = new Float32Array(w * h), known = new Uint8Array(w * h).fill(1);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      v[y * w + x] = 10 + 2 * x + 1.5 * y;
      if (x >= 12 && x < 52 && y >= 10 && y < 40) { known[y * w + x] = 0; v[y * w + x] = 0; }
    }
    const out = harmonicFill(v, known, w, h, 1);
    let worst = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) worst = Math.max(worst, Math.abs(out[y * w + x] - (10 + 2 * x + 1.5 * y)));
    assert.ok(worst < 0.5, `worst deviation from the ramp ${worst.toFixed(3)}`);
  });

  it('a hole in a smooth gradient comes back as the gradient', () => {
    const truth = image((x, y) => [30 + 0.9 * x, 200 - 0.8 * y, 60 + 0.4 * x + 0.5 * y]);
    const hole = rect(70, 50, 130, 100);
    const err = holeError(fill(truth, hole), truth, hole);
    assert.ok(err.mean < 1.5 && err.max <= 6, `mean ${err.mean.toFixed(2)}, max ${err.max} levels off the gradient`);
  });

  it('a hole in flat, grainy paint comes back flat at the same level, with no invented structure', () => {
    const truth = image((_x, _y, n) => [120 + 8 * n(), 140 + 8 * n(), 90 + 8 * n()]);
    const hole = rect(60, 40, 140, 110);
    const out = fill(truth, hole);
    // Block means over 10×10 cells inside the hole: a blotch or a copied shape would move one of them.
    let worst = 0;
    for (let by = 40; by + 10 <= 110; by += 10) for (let bx = 60; bx + 10 <= 140; bx += 10) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let y = by; y < by + 10; y++) for (let x = bx; x < bx + 10; x++) s += out[3 * (y * W + x) + c];
        worst = Math.max(worst, Math.abs(s / 100 - [120, 140, 90][c]));
      }
    }
    assert.ok(worst < 3, `a 10×10 block mean is ${worst.toFixed(2)} levels off the paint`);
  });
});

describe('hole fill: growth ring', () => {
  // A dark disc whose mask misses its soft edge (a 3 px halo), on grainy light paint.
  const CX = 100, CY = 75, R = 20;
  const bg = (n: () => number): [number, number, number] => [180 + 6 * n(), 175 + 6 * n(), 165 + 6 * n()];
  const disc = (halo: boolean) => image((x, y, n) => {
    const d = Math.hypot(x - CX, y - CY);
    const b = bg(n);
    if (d <= R) return [40, 35, 30];
    if (halo && d <= R + 3) { const t = (d - R) / 3; return [b[0] * t + 40 * (1 - t), b[1] * t + 35 * (1 - t), b[2] * t + 30 * (1 - t)]; }
    return b;
  });
  const mask = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - CX, y - CY) <= R) mask[y * W + x] = 1;
  const inRing = (x: number, y: number) => { const d = Math.hypot(x - CX, y - CY); return d > R + 0.5 && d <= R + 2.5; };

  it('replaces a halo the mask missed: no dark outline is left', () => {
    const src = disc(true);
    const out = fill(src, mask);
    let s = 0, n = 0, changed = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if (!inRing(x, y)) continue;
      const o = 3 * (y * W + x);
      s += out[o]; n++;
      if (out[o] !== src[o] || out[o + 1] !== src[o + 1] || out[o + 2] !== src[o + 2]) changed++;
    }
    assert.ok(changed > 0.9 * n, `${changed} of ${n} halo pixels replaced`);
    assert.ok(s / n > 165, `the ring's red mean is ${(s / n).toFixed(1)} (paint 180, halo 40..180)`);
  });

  it('keeps ring pixels that already look like the background, so the fill starts from the real border', () => {
    const src = disc(false);
    const out = fill(src, mask);
    let kept = 0, n = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if (!inRing(x, y)) continue;
      const o = 3 * (y * W + x);
      n++;
      if (out[o] === src[o] && out[o + 1] === src[o + 1] && out[o + 2] === src[o + 2]) kept++;
    }
    assert.ok(kept > 0.8 * n, `${kept} of ${n} clean ring pixels kept`);
  });
});

describe('hole fill: large holes keep structure', () => {
  it('a large hole in a facade gets the facade\'s ledges and texture, not a smooth blob', async () => {
    // building.jpg 768 px wide, a centred ellipse 24 % of each side (ledges, mullions, panels under it),
    // filled as object removal fills it. The old fill (a membrane disc) had 9 % of the truth's detail energy.
    const { data, info } = await sharp(testFile('building.jpg').data).resize({ width: 768 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const w = info.width, h = info.height;
    const truth = new Uint8Array(data.buffer, data.byteOffset, data.length);
    const hole = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x - w / 2) / (0.12 * w)) ** 2 + ((y - h / 2) / (0.12 * h)) ** 2 <= 1) hole[y * w + x] = 1;
    const dilate = maskGrowth(w, h);
    const out = fillHole({ rgb: truth, width: w, height: h, hole, dilate, detailRadius: 2 * dilate, settleRing: true });
    // Detail energy in the hole: mean squared Laplacian of luma, filled vs truth.
    const energy = (rgb: Uint8Array) => {
      const Y = (q: number) => 0.299 * rgb[3 * q] + 0.587 * rgb[3 * q + 1] + 0.114 * rgb[3 * q + 2];
      let s = 0, n = 0;
      for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
        const p = y * w + x;
        if (!hole[p]) continue;
        s += (4 * Y(p) - Y(p - 1) - Y(p + 1) - Y(p - w) - Y(p + w)) ** 2;
        n++;
      }
      return s / n;
    };
    const ratio = energy(out) / energy(truth);
    assert.ok(ratio > 0.2, `the fill has ${(100 * ratio).toFixed(0)} % of the facade's detail energy`);
  });
});
