import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { detectLattice, type Lattice } from '../../../src/engines/pixel/lattice.js';
import { outpaintKernel } from '../../../src/engines/pixel/outpaint-kernel.js';
import { xorshift32 } from '../../../src/util/xorshift.js';
import { saveArtifact, TESTDATA } from './helpers.js';

/** Bricks `px` wide and `py` high (`mortar` px of mortar), each course shifted by half a brick, with noise and shades. */
function wall(w: number, h: number, px: number, py: number, mortarPx = 2, seed = 3): Uint8Array {
  const rand = xorshift32(seed);
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const course = Math.floor(y / py), sx = x + (course % 2) * (px >> 1);
    const mortar = y % py < mortarPx || sx % px < mortarPx;
    const v = (mortar ? 200 : 90 + 10 * Math.sin(course * 1.7 + Math.floor(sx / px) * 2.3)) + (rand() - 0.5) * 16;
    rgb.set([v + 20, v, v], 3 * (y * w + x));
  }
  return rgb;
}

/** Whether (ox, oy) is (within 1 px) a whole-number combination of the lattice's steps. */
function onLattice(l: Lattice, ox: number, oy: number): boolean {
  const det = l.ax * l.by - l.ay * l.bx;
  const i = Math.round((ox * l.by - oy * l.bx) / det), j = Math.round((l.ax * oy - l.ay * ox) / det);
  return Math.hypot(i * l.ax + j * l.bx - ox, i * l.ay + j * l.by - oy) <= 1;
}

describe('regular textures continue aligned', () => {
  // A period the engine was not tuned on: bricks 30 × 16.
  const W = 240, H = 240, PX = 30, PY = 16;
  const rect = { x: 60, y: 60, width: 120, height: 120 };

  it('finds a wall\'s repeat lattice from the edge\'s periods, and none in a photo or in plain stripes', async () => {
    // Bricks of other sizes too: each sample's period is one long lattice point, the lattice must be the bond's, no coarser, no finer.
    for (const [px, py] of [[PX, PY], [44, 16], [24, 9]]) {
      const l = detectLattice(wall(W, H, px, py), W, H, rect);
      assert.ok(l, `a lattice is found on ${px} × ${py} bricks`);
      assert.ok(onLattice(l, px, 0) && onLattice(l, 0, 2 * py) && onLattice(l, px / 2, py), `lattice (${l.ax}, ${l.ay}) (${l.bx}, ${l.by}) generates the ${px} × ${py} bond`);
      assert.equal(Math.abs(l.ax * l.by - l.ay * l.bx), px * py, `lattice (${l.ax}, ${l.ay}) (${l.bx}, ${l.by}): one brick per cell, nothing off the bond`);
    }
    // 62 × 30 bricks on a 1024-px canvas: the periods are found at half size, where half a brick is
    // 15.5 px and rounds both ways; the lattice those rounded periods generate ((8, 0) across) is not
    // the wall's, and the wall does not repeat under it: none rather than a wrong tiling.
    const big = { x: 256, y: 256, width: 512, height: 512 };
    assert.equal(detectLattice(wall(1024, 1024, 62, 30, 4), 1024, 1024, big), undefined);
    // Stripes repeat one way only; a photo not at all: nothing to align, so no lattice.
    const stripes = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) stripes.fill(y % 12 < 3 ? 200 : 80, 3 * y * W, 3 * (y + 1) * W);
    assert.equal(detectLattice(stripes, W, H, rect), undefined);
    const { data, info } = await sharp(path.join(TESTDATA, 'chelsea.png')).removeAlpha().resize(240).raw().toBuffer({ resolveWithObject: true });
    assert.equal(detectLattice(Uint8Array.from(data), info.width, info.height, { x: 40, y: 30, width: 160, height: 100 }), undefined);
  });

  it('continues the courses far into the margin, in phase with the input', async () => {
    const truth = wall(W, H, PX, PY);
    const canvas = new Uint8Array(W * H * 3);
    for (let y = rect.y; y < rect.y + rect.height; y++) canvas.set(truth.subarray(3 * (y * W + rect.x), 3 * (y * W + rect.x + rect.width)), 3 * (y * W + rect.x));
    const out = outpaintKernel({ rgb: canvas, width: W, height: H, rect });
    saveArtifact('regular-texture-wall.png', await sharp(Buffer.from(out), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
    // 30–60 px left of the input: the rows where the wall's horizontal mortar lies are light, the rest dark.
    let mortar = 0, nm = 0, brick = 0, nb = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < 30; x++) {
      const v = out[3 * (y * W + x) + 1];
      if (y % PY < 2) { mortar += v; nm++; } else { brick += v; nb++; }
    }
    // Without the lattice the courses break up and drift out of phase: ~18 levels apart (measured).
    assert.ok(mortar / nm - brick / nb > 60, `mortar rows ${(mortar / nm).toFixed(0)} vs brick rows ${(brick / nb).toFixed(0)}`);
  });

  it('leaves no frame where the input\'s edge runs along a mortar line', () => {
    // 28 × 12 bricks: the input's top edge (y = 60) is a mortar row. The border band carried that row
    // outward into a light frame; a tiling in phase needs no band.
    const [px, py] = [28, 12];
    const truth = wall(W, H, px, py);
    const canvas = new Uint8Array(W * H * 3);
    for (let y = rect.y; y < rect.y + rect.height; y++) canvas.set(truth.subarray(3 * (y * W + rect.x), 3 * (y * W + rect.x + rect.width)), 3 * (y * W + rect.x));
    const out = outpaintKernel({ rgb: canvas, width: W, height: H, rect });
    let e = 0, n = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const d = Math.max(rect.x - x, x - rect.x - rect.width + 1, rect.y - y, y - rect.y - rect.height + 1);
      if (d < 1 || d > 10) continue;
      for (let c = 0; c < 3; c++) e += (out[3 * (y * W + x) + c] - truth[3 * (y * W + x) + c]) ** 2;
      n += 3;
    }
    // Measured: ~13 levels (the grain and the bricks' shades), ~43 with the band.
    assert.ok(Math.sqrt(e / n) < 25, `RMS error 1–10 px out ${Math.sqrt(e / n).toFixed(1)} levels`);
  });
});
