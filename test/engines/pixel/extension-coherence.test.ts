import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { largestCopy } from '../../../bench/quality/fill-metrics.js';
import { mirrorAbout, reflect } from '../../../src/engines/pixel/border-blend.js';
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

  it('mirrors about the border itself: the first ring repeats the edge pixel', () => {
    assert.equal(mirrorAbout(9, 10, 20), 10);
    assert.equal(mirrorAbout(8, 10, 20), 11);
    assert.equal(mirrorAbout(20, 10, 20), 19);
    assert.equal(mirrorAbout(35, 10, 20), 15);
    assert.equal(reflect(9, 10, 20), 11);
    for (let v = -50; v < 80; v++) { const m = mirrorAbout(v, 10, 20); assert.ok(m >= 10 && m < 20); }
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
