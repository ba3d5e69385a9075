import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { largestCopy } from '../../../bench/quality/fill-metrics.js';
import { blendBorderBand } from '../../../src/engines/pixel/border-blend.js';
import { matchFillTone } from '../../../src/engines/pixel/tone-match.js';
import { continueEdges } from '../../../src/engines/pixel/edge-continuation.js';
import { blendExtension } from '../../../src/engines/pixel/extension-blend.js';
import { fillHole } from '../../../src/engines/pixel/hole-fill.js';
import { membraneOf } from '../../../src/engines/pixel/hole-fill.js';
import { xorshift32 } from '../../../src/util/xorshift.js';
import { saveArtifact, TESTDATA } from './helpers.js';

describe('extensions that stay coherent', () => {
  it('one translation copies no region wider than the copy span into the margins', async () => {
    // Grass: a random texture, where an unbounded fill pastes whole chunks of the input.
    const { data, info } = await sharp(path.join(TESTDATA, 'grass.png')).removeAlpha().resize(256).raw().toBuffer({ resolveWithObject: true });
    const w = info.width, h = info.height;
    const x0 = Math.round(w * 0.2), y0 = Math.round(h * 0.2), x1 = Math.round(w * 0.8), y1 = Math.round(h * 0.8);
    const hole = new Uint8Array(w * h).fill(1);
    for (let y = y0; y < y1; y++) hole.fill(0, y * w + x0, y * w + x1);
    const inside = hole.map((v) => 1 - v);
    const run = (copySpan?: number) => fillHole({ rgb: Uint8Array.from(data), width: w, height: h, hole, dilate: 0, belonging: true, copySpan });
    const bounded = run(10), free = run(undefined);
    await sharp(Buffer.from(bounded), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer().then((b) => saveArtifact('extension-copy-span.png', b));
    const copyBounded = largestCopy({ data: bounded, width: w, height: h }, hole, inside);
    const copyFree = largestCopy({ data: free, width: w, height: h }, hole, inside);
    assert.ok(copyBounded <= 16, `largest copied region ${copyBounded.toFixed(1)} px with a 10 px span`);
    assert.ok(copyBounded < copyFree * 0.75, `the bound shrinks copies: ${copyBounded.toFixed(1)} vs ${copyFree.toFixed(1)} px without it`);
  });

  it('continues each edge outward: below a building the wall\'s colour, beside it the sky\'s', () => {
    // The input: sky (blue) over a wall (yellow) that fills its lower third.
    const W = 300, H = 240, rect = { x: 100, y: 80, width: 100, height: 80 };
    const rgb = new Uint8Array(W * H * 3);
    const sky = [60, 120, 220], wall = [220, 190, 90];
    for (let y = rect.y; y < rect.y + rect.height; y++) for (let x = rect.x; x < rect.x + rect.width; x++) rgb.set(y >= rect.y + 54 ? wall : sky, 3 * (y * W + x));
    const known = new Uint8Array(W * H);
    for (let y = rect.y; y < rect.y + rect.height; y++) known.fill(1, y * W + rect.x, y * W + rect.x + rect.width);
    const base = continueEdges(rgb, W, H, rect, 6);
    const membrane = membraneOf(rgb, known, W, H);
    const at = (img: Float32Array, x: number, y: number) => [0, 1, 2].map((c) => img[3 * (y * W + x) + c]);
    const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    // 70 px below the input's bottom edge, and 70 px above its top.
    const below = at(base, 150, 230), above = at(base, 150, 10);
    assert.ok(dist(below, wall) < 20, `below the wall: ${below.map((v) => v.toFixed(0))} (membrane ${at(membrane, 150, 230).map((v) => v.toFixed(0))})`);
    assert.ok(dist(above, sky) < 20, `above the sky: ${above.map((v) => v.toFixed(0))}`);
    // The membrane of the whole border mixes them there: the failure this replaces.
    assert.ok(dist(at(membrane, 150, 230), wall) > 2 * dist(below, wall) + 10, 'the membrane drifts from the wall\'s colour');
  });

  it('carries the edge out in the border band without doubling a line that runs along it', () => {
    // A flat input with a light line 2 px inside its left edge, beside a flat fill of its own tone.
    const W = 80, H = 60, rect = { x: 30, y: 10, width: 40, height: 40 };
    const rgb = new Uint8Array(W * H * 3).fill(100);
    for (let y = rect.y; y < rect.y + rect.height; y++) rgb.fill(220, 3 * (y * W + rect.x + 2), 3 * (y * W + rect.x + 3));
    const out = blendBorderBand(rgb, W, H, rect, 8);
    // Rows 2–5 px left of the input: a mirror about the edge put the line back at 3 px; the edge (100) is plain.
    for (let x = rect.x - 5; x <= rect.x - 2; x++) assert.ok(Math.abs(out[3 * (30 * W + x)] - 100) <= 1, `x ${x}: ${out[3 * (30 * W + x)]}`);
    // A bar crossing the edge continues into the band, fading toward the fill (a 1-px line fades sooner:
    // the edge is averaged along the side over ±(d − 1), which keeps single pixels from streaking).
    const cross = new Uint8Array(W * H * 3).fill(100);
    for (let y = 26; y <= 34; y++) for (let x = rect.x; x < rect.x + 10; x++) cross.fill(220, 3 * (y * W + x), 3 * (y * W + x) + 3);
    const c = blendBorderBand(cross, W, H, rect, 8);
    assert.equal(c[3 * (30 * W + rect.x - 1)], 220, 'the first ring repeats the edge pixel');
    assert.ok(c[3 * (30 * W + rect.x - 3)] > 180, `3 px out the bar still shows: ${c[3 * (30 * W + rect.x - 3)]}`);
  });

  it('matches the fill\'s tone to the input\'s border all the way out, with no box around the input', () => {
    // The input a lighter blue than the exemplar fill around it (sky copied from a darker part).
    const W = 240, H = 180, rect = { x: 80, y: 60, width: 80, height: 60 };
    const rand = xorshift32(9);
    const fill = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const inside = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
      const n = 6 * (rand() - 0.5);
      fill.set(inside ? [110 + n, 160 + n, 230 + n] : [70 + n, 110 + n, 190 + n], 3 * (y * W + x));
    }
    const out = matchFillTone(fill, W, H, rect, 6);
    const mean = (x0: number, y0: number, x1: number, y1: number, c: number) => {
      let s = 0, n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) { s += out[3 * (y * W + x) + c]; n++; }
      return s / n;
    };
    // Next to the input and 60 px out, left of it and above it: the input's tone, not the fill's.
    for (const [name, box] of [['next to it', [rect.x - 6, 70, rect.x - 1, 110]], ['far left', [5, 70, 20, 110]], ['far above', [100, 2, 140, 10]]] as const) {
      const g = mean(box[0], box[1], box[2], box[3], 1);
      assert.ok(Math.abs(g - 160) < 4, `${name}: green ${g.toFixed(1)} (the input's 160, the fill's 110)`);
    }
    // The fill's own texture is kept: only its tone moved.
    let diffs = 0;
    for (let x = 5; x < 60; x++) diffs += Math.abs((out[3 * (90 * W + x) + 1] - out[3 * (90 * W + x + 1) + 1]) - (fill[3 * (90 * W + x) + 1] - fill[3 * (90 * W + x + 1) + 1]));
    assert.ok(diffs / 55 < 1.5, `texture kept: ${(diffs / 55).toFixed(2)} levels of change in its steps`);
  });

  it('hands an unsure fill (a large patch residual) over to the continuation even next to the input', () => {
    const W = 240, H = 160, rect = { x: 60, y: 40, width: 120, height: 80 };
    const rand = xorshift32(5);
    const fill = new Uint8Array(W * H * 3);
    for (let p = 0; p < W * H; p++) fill.fill(Math.round(120 + 6 * (rand() - 0.5)), 3 * p, 3 * p + 3);
    // Left of the input a fragment with hard edges; the fill's residual says where patches disagreed.
    const residual = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const outside = x < rect.x || x >= rect.x + rect.width || y < rect.y || y >= rect.y + rect.height;
      if (!outside) continue;
      residual[y * W + x] = 1;
      if (x >= 52 && x < 58 && y >= 50 && y < 70) { fill.fill(250, 3 * (y * W + x), 3 * (y * W + x) + 3); residual[y * W + x] = 30; }
    }
    const sure = blendExtension(fill, W, H, rect);
    const out = blendExtension(fill, W, H, rect, 1, residual);
    // 3 px from the input (inside NEAR, 4.8 px here, where a sure fill is kept whole) the fragment fades.
    const p = 3 * (60 * W + 57);
    assert.equal(sure[p], 250, 'without a residual the fill next to the input is kept');
    assert.ok(out[p] < 200, `with a large residual it is handed over: ${out[p]}`);
    // Where the residual is the fill's typical one, nothing changes next to the input.
    const q = 3 * (100 * W + 57);
    assert.equal(out[q], fill[q]);
  });
});
