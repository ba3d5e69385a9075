import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillHole } from '../../../src/engines/pixel/hole-fill.js';
import { holeDistance } from '../../../src/engines/pixel/patchmatch.js';
import { ringOffsets } from '../../../src/engines/pixel/ring-offsets.js';
import { xorshift32 } from '../../../src/util/xorshift.js';

const W = 192, H = 144;
/** The test's brick: 28 × 12 px with its mortar, courses offset by half a brick (running bond). */
const BRICK_W = 28, BRICK_H = 12;

/** A brick wall: red bricks, light 2-px mortar, a little grain. */
function brickWall(): Uint8Array {
  const rand = xorshift32(99);
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const shift = Math.floor(y / BRICK_H) % 2 ? BRICK_W / 2 : 0;
    const mortar = y % BRICK_H < 2 || (x + shift) % BRICK_W < 2;
    const n = Math.round((rand() - 0.5) * 8);
    rgb.set(mortar ? [200 + n, 196 + n, 188 + n] : [150 + n, 70 + n, 50 + n], 3 * (y * W + x));
  }
  return rgb;
}

/** Smooth blobs of colour with grain: texture that repeats nowhere. */
function blobs(): Uint8Array {
  const rand = xorshift32(7);
  const centres = Array.from({ length: 14 }, () => [rand() * W, rand() * H, 20 + rand() * 30, rand() * 160 + 40, rand() * 160 + 40, rand() * 160 + 40]);
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let r = 0, g = 0, b = 0, wsum = 0;
    for (const [cx, cy, s, cr, cg, cb] of centres) {
      const wt = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
      r += wt * cr; g += wt * cg; b += wt * cb; wsum += wt;
    }
    const n = (rand() - 0.5) * 10;
    rgb.set([r / wsum + n, g / wsum + n, b / wsum + n].map((v) => Math.max(0, Math.min(255, Math.round(v)))), 3 * (y * W + x));
  }
  return rgb;
}

/** A round hole of radius 28 in the middle: across five courses. */
function roundHole(): Uint8Array {
  const hole = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - 96) ** 2 + (y - 72) ** 2 <= 28 ** 2) hole[y * W + x] = 1;
  return hole;
}

/** As object removal fills it, with or without the ring's periods. */
function fill(rgb: Uint8Array, hole: Uint8Array, ringPeriods: boolean): Uint8Array {
  return fillHole({ rgb: Uint8Array.from(rgb), width: W, height: H, hole, dilate: 3, detailRadius: 6, settleRing: true, belonging: true, ringPeriods });
}

function holeRms(a: Uint8Array, truth: Uint8Array, hole: Uint8Array): number {
  let e = 0, n = 0;
  for (let p = 0; p < W * H; p++) if (hole[p]) { for (let c = 0; c < 3; c++) e += (a[3 * p + c] - truth[3 * p + c]) ** 2; n += 3; }
  return Math.sqrt(e / n);
}

describe('regular textures across a hole', () => {
  it('finds the wall\'s periods in the ring: translations of the bond, a whole number of courses', () => {
    const wall = brickWall(), hole = roundHole();
    const known = hole.map((v) => (v ? 0 : 1));
    const found = ringOffsets(wall, hole, holeDistance(known, W, H), W, H, 0);
    assert.ok(found, 'the wall repeats');
    let periods = 0, ofBond = 0;
    for (let i = 0; i < found.offsets.length; i += 2) {
      const dx = found.offsets[i], dy = found.offsets[i + 1];
      if (!dx && !dy) continue;
      periods++;
      // Every period moves by whole courses; a sample on a course's mortar line alone may slide along it.
      const b = Math.round(dy / BRICK_H);
      assert.ok(Math.abs(dy - b * BRICK_H) <= 1, `(${dx}, ${dy}) moves by whole courses`);
      // The bond's translations: (a·14, b·12) with a + b even (half a brick per course).
      const a = Math.round(dx / (BRICK_W / 2));
      if (Math.abs(dx - (a * BRICK_W) / 2) <= 1 && (a + b) % 2 === 0) ofBond++;
    }
    assert.ok(periods >= 12, `${periods} ring samples carry a period`);
    assert.ok(ofBond >= 0.75 * periods, `${ofBond} of ${periods} periods are translations of the bond`);
  });

  it('continues the courses in step: the fill is near the hidden wall, far nearer than without periods', () => {
    const wall = brickWall(), hole = roundHole();
    const with_ = holeRms(fill(wall, hole, true), wall, hole);
    const without = holeRms(fill(wall, hole, false), wall, hole);
    // Measured: ~4 levels with periods (the grain), ~14.5 without (courses washed and bent).
    assert.ok(with_ < 7, `RMS error in the hole ${with_.toFixed(1)} levels`);
    assert.ok(with_ < without / 2, `with periods ${with_.toFixed(1)}, without ${without.toFixed(1)}`);
  });

  it('changes nothing where the surroundings repeat nowhere', () => {
    const scene = blobs(), hole = roundHole();
    const known = hole.map((v) => (v ? 0 : 1));
    assert.equal(ringOffsets(scene, hole, holeDistance(known, W, H), W, H, 0), undefined);
    assert.deepEqual(fill(scene, hole, true), fill(scene, hole, false));
  });
});
