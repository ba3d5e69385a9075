import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutRedEye } from '../../../src/engines/face/red-eye.js';
import { chromaScale, relight, shadingWeights, weightedLowPass, type FaceLight, type RelightSettings } from '../../../src/engines/face/swap-light.js';
import type { Point } from '../../../src/engines/face/raster.js';

/** A 40×20 image of skin with two irises: the left one red (a flash's red-eye), the right one brown. */
function eyes(): { data: Uint8Array; width: number; height: number; channels: number; mesh: Point[] } {
  const width = 40, height = 20;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([210, 160, 140], i * 3);
  const mesh: Point[] = Array.from({ length: 478 }, () => [0, 0] as Point);
  const iris = (first: number, cx: number, colour: number[]) => {
    mesh[first] = [cx, 10];
    [[3, 0], [0, 3], [-3, 0], [0, -3]].forEach(([dx, dy], k) => (mesh[first + 1 + k] = [cx + dx, 10 + dy]));
    for (let y = 7; y <= 13; y++) for (let x = cx - 3; x <= cx + 3; x++) if (Math.hypot(x - cx, y - 10) <= 2.5) data.set(colour, (y * width + x) * 3);
  };
  iris(468, 10, [160, 60, 58]);
  iris(473, 30, [120, 80, 55]);
  return { data, width, height, channels: 3, mesh };
}

describe('face swap light', () => {
  it('darkens a red pupil and leaves a brown iris and the skin around as they were', () => {
    const img = eyes();
    const out = withoutRedEye(img, img.mesh);
    const at = (x: number, y: number) => Array.from(out.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    const [r, g] = at(10, 10);
    assert.ok(r < g * 1.2, `the red pupil is still red: ${at(10, 10)}`);
    assert.deepEqual(at(30, 10), [120, 80, 55]);
    assert.deepEqual(at(10, 2), [210, 160, 140]);
    // Without red-eye nothing is copied.
    const clean = { ...img, data: Uint8Array.from(out.data) };
    assert.equal(withoutRedEye(clean, img.mesh), clean);
  });

  it("a dark lash line under a brighter target light stays dark on a feature; skin takes the target's light", () => {
    const lab = Float32Array.from([20, 2, 2, 50, 12, 14]);
    const light = (L: number): FaceLight => ({ tone: Float32Array.from([L, 12, 14, L, 12, 14]), shading: Float32Array.from([L, 12, 14, L, 12, 14]) });
    const s = { relief: [0.6, 0.5, 0.5], reliefLimit: [4, 5, 5], chromaScale: 1 };
    const out = [0, 0, 0];
    relight(lab, 0, light(75), light(50), s, 1, out);
    assert.ok(out[0] < 35, `lash lightness ${out[0]}`);
    relight(lab, 1, light(75), light(50), s, 0, out);
    assert.ok(Math.abs(out[0] - 75) < 1e-3, `skin lightness ${out[0]}`);
  });

  it("keeps most of the reference's gentle relief but little of a flash stripe", () => {
    const s: RelightSettings = { relief: [0.6, 0.5, 0.5], reliefLimit: [4, 5, 5], chromaScale: 1 };
    const target: FaceLight = { tone: Float32Array.from([60, 12, 14]), shading: Float32Array.from([60, 12, 14]) };
    const out = [0, 0, 0];
    const at = (shadingL: number) => {
      const reference: FaceLight = { tone: Float32Array.from([60, 12, 14]), shading: Float32Array.from([shadingL, 12, 14]) };
      relight(Float32Array.from([shadingL, 12, 14]), 0, target, reference, s, 0, out);
      return out[0] - 60;
    };
    assert.ok(at(63) > 3 * 0.3, `a relief of +3 keeps ${at(63).toFixed(1)}`);
    assert.ok(at(85) < 25 * 0.1, `a +25 flash stripe keeps ${at(85).toFixed(1)}`);
  });

  it("carries the reference's darker form (a hollow) on skin, not its white highlight, and not into a feature", () => {
    const s: RelightSettings = { relief: [0.6, 0.5, 0.5], reliefLimit: [4, 5, 5], darkening: { share: 1, cap: 12 }, chromaScale: 1 };
    const target: FaceLight = { tone: Float32Array.from([60, 12, 14]), shading: Float32Array.from([60, 12, 14]) };
    const out = [0, 0, 0];
    const at = (shading: number[], feature: number) => {
      const reference: FaceLight = { tone: Float32Array.from([60, 12, 14]), shading: Float32Array.from(shading) };
      relight(Float32Array.from(shading), 0, target, reference, s, feature, out);
      return out[0] - 60;
    };
    // A hollow 10 L below the skin's trend: the symmetric limit kept under 1 L of it.
    assert.ok(at([50, 10, 11.7], 0) < -6, `a hollow on skin keeps ${at([50, 10, 11.7], 0).toFixed(1)}`);
    // A flash stripe: 25 L brighter and whiter (chroma down).
    assert.ok(at([85, 7, 8], 0) < 2.5, `a white stripe keeps ${at([85, 7, 8], 0).toFixed(1)}`);
    // A lip in the hollow keeps what the symmetric limit gave it.
    assert.ok(at([50, 10, 11.7], 1) > -2, `a feature in the hollow darkens by ${at([50, 10, 11.7], 1).toFixed(1)}`);
  });

  it('a greyscale target gets grey features, not the complement of the reference skin colour', () => {
    const scale = chromaScale([60, 0, 0], [60, 14, 18]);
    assert.equal(scale, 0);
    const grey: FaceLight = { tone: Float32Array.from([60, 0, 0]), shading: Float32Array.from([60, 0, 0]) };
    const skin: FaceLight = { tone: Float32Array.from([60, 14, 18]), shading: Float32Array.from([60, 14, 18]) };
    const out = [0, 0, 0];
    // A brown iris (less chroma than the skin) on a grey face: no blue (negative b).
    relight(Float32Array.from([35, 8, 10]), 0, grey, skin, { relief: [0.6, 0.5, 0.5], reliefLimit: [4, 5, 5], chromaScale: scale }, 1, out);
    assert.ok(Math.abs(out[1]) < 1e-6 && Math.abs(out[2]) < 1e-6, `iris chroma ${out[1]}, ${out[2]}`);
  });

  it('the shading of a flash-lit stripe is measured (so it can be replaced) while hair is left out', () => {
    const w = 30, h = 1;
    const lab = new Float32Array(w * 3);
    for (let x = 0; x < w; x++) lab.set([x >= 12 && x < 18 ? 85 : 60, 12, 14], x * 3);
    for (let x = 2; x < 4; x++) lab.set([15, 2, 2], x * 3); // a dark strand
    const skin = new Uint8Array(w).fill(255);
    const weights = shadingWeights(lab, skin, [60, 12, 14]);
    assert.ok(weights[15] > 0.9, 'the highlight counts as skin for the light');
    assert.ok(weights[2] < 0.05, 'the strand does not');
    const light = weightedLowPass(lab, weights, w, h, 2);
    assert.ok(light[15 * 3] > 75, `the stripe is in the shading (${light[15 * 3]})`);
    assert.ok(Math.abs(light[2 * 3] - 60) < 3, `the strand is not (${light[2 * 3]})`);
  });
});

describe('red-eye beyond the iris landmarks', () => {
  /** Skin with an eye outline (mesh points on an ellipse) and a red pupil 3 px off the iris landmark, ringed by red-brown. */
  function offEye(): { data: Uint8Array; width: number; height: number; channels: number; mesh: Point[] } {
    const width = 60, height = 30;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) data.set([210, 160, 140], i * 3);
    const mesh: Point[] = Array.from({ length: 478 }, () => [0, 0] as Point);
    // The subject's right eye from its outer corner (33, x 15) to its inner one (133, x 45), an ellipse.
    const outline = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];
    outline.forEach((p, k) => {
      const a = (k / outline.length) * 2 * Math.PI;
      mesh[p] = [30 - 15 * Math.cos(a), 15 - 6 * Math.sin(a)];
    });
    for (let y = 10; y <= 20; y++) for (let x = 18; x <= 42; x++) if (((x - 30) / 13) ** 2 + ((y - 15) / 5) ** 2 <= 1) data.set([230, 225, 215], (y * width + x) * 3);
    // Iris landmarks say x 25; the pupil is at x 28, its rim red-brown, its centre red.
    [[0, 0], [3, 0], [0, 3], [-3, 0], [0, -3]].forEach(([dx, dy], k) => (mesh[468 + k] = [25 + dx, 15 + dy]));
    [[0, 0], [3, 0], [0, 3], [-3, 0], [0, -3]].forEach(([dx, dy], k) => (mesh[473 + k] = [55 + dx, 2 + dy]));
    for (let y = 11; y <= 19; y++) for (let x = 24; x <= 32; x++) {
      const d = Math.hypot(x - 28, y - 15);
      if (d <= 2) data.set([165, 62, 58], (y * width + x) * 3);
      else if (d <= 4) data.set([178, 112, 100], (y * width + x) * 3);
    }
    return { data, width, height, channels: 3, mesh };
  }

  it('finds a red pupil off the iris landmarks inside the eye and clears its red-brown rim, leaving the white and the skin', () => {
    const img = offEye();
    const out = withoutRedEye(img, img.mesh);
    const at = (x: number, y: number) => Array.from(out.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    for (const [x, y] of [[29, 15], [30, 15], [31, 16], [28, 18]]) {
      const [r, g, b] = at(x, y);
      assert.ok(r <= Math.max(g, b) + 6, `still red at ${x},${y}: ${at(x, y)}`);
    }
    assert.deepEqual(at(40, 15), [230, 225, 215]);
    assert.deepEqual(at(5, 5), [210, 160, 140]);
  });
});
