import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holeDistance } from '../../../src/engines/pixel/patchmatch.js';
import { membraneOf } from '../../../src/engines/pixel/hole-fill.js';
import { unmixBase } from '../../../src/engines/pixel/side-base.js';

const W = 160, H = 120, RADIUS = 6;

/** A square hole of side 60 in the middle; `colour(x, y)` paints the photo around it. */
function scene(colour: (x: number, y: number) => [number, number, number]) {
  const rgb = new Uint8Array(W * H * 3), known = new Uint8Array(W * H), hole = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const p = y * W + x;
    rgb.set(colour(x, y), 3 * p);
    const inHole = x >= 50 && x < 110 && y >= 30 && y < 90;
    known[p] = inHole ? 0 : 1;
    hole[p] = inHole ? 1 : 0;
  }
  return { rgb, known, depth: holeDistance(hole, W, H) };
}

/** Share of the hole's pixels that are neither near red nor near blue (the purple of a mix). */
function mixedShare(base: Float32Array): number {
  let mixed = 0, n = 0;
  for (let y = 30; y < 90; y++) for (let x = 50; x < 110; x++) {
    const p = y * W + x;
    const r = base[3 * p], b = base[3 * p + 2];
    n++;
    if (r > 60 && b > 60) mixed++;
  }
  return mixed / n;
}

describe('a large hole between distinct sides', () => {
  it('takes each side\'s colour instead of the membrane\'s purple average', () => {
    // Red to the left of x = 80, blue to the right: the hole is split down the middle.
    const { rgb, known, depth } = scene((x) => (x < 80 ? [200, 20, 30] : [25, 30, 190]));
    const base = membraneOf(rgb, known, W, H);
    const before = mixedShare(base);
    unmixBase(base, rgb, known, depth, W, H, RADIUS);
    const after = mixedShare(base);
    assert.ok(before > 0.3, `the membrane is purple over much of the hole: ${before.toFixed(2)}`);
    assert.ok(after < before / 2, `after: ${after.toFixed(2)} of the hole is a mix (before ${before.toFixed(2)})`);
    // Well inside each half the side's own colour.
    const at = (x: number, y: number) => Array.from(base.subarray(3 * (y * W + x), 3 * (y * W + x) + 3));
    const left = at(58, 60), right = at(102, 60);
    assert.ok(left[0] > 150 && left[2] < 80, `left of the hole is red: ${left.map(Math.round)}`);
    assert.ok(right[2] > 140 && right[0] < 80, `right of the hole is blue: ${right.map(Math.round)}`);
  });

  it('leaves the membrane alone in a smooth gradient, whose centre is off the ring\'s colours but no mix', () => {
    // Steep enough that the hole's centre is ΔE > 8 from every ring colour; no edge anywhere in the ring.
    const { rgb, known, depth } = scene((x, y) => [Math.round(30 + 0.9 * x), Math.round(200 - 0.8 * y), Math.round(60 + 0.4 * x + 0.5 * y)]);
    const base = membraneOf(rgb, known, W, H);
    const copy = Float32Array.from(base);
    unmixBase(base, rgb, known, depth, W, H, RADIUS);
    let most = 0;
    for (let i = 0; i < base.length; i++) most = Math.max(most, Math.abs(base[i] - copy[i]));
    assert.equal(most, 0, 'no pixel changes');
  });
});
