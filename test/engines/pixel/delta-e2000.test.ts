import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deltaE2000, linearToSrgb, meanDeltaE2000, scaleLinear, SRGB_TO_LINEAR, srgbPixelToLab } from '../../../bench/quality/metrics.js';

// Sharma, Wu & Dalal (2005), Table 1: L1 a1 b1, L2 a2 b2, ΔE00 (4 decimals).
const SHARMA: [number, number, number, number, number, number, number][] = [
  [50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425],
  [50.0, 3.1571, -77.2803, 50.0, 0.0, -82.7485, 2.8615],
  [50.0, 2.8361, -74.02, 50.0, 0.0, -82.7485, 3.4412],
  [50.0, -1.3802, -84.2814, 50.0, 0.0, -82.7485, 1.0],
  [50.0, -1.1848, -84.8006, 50.0, 0.0, -82.7485, 1.0],
  [50.0, -0.9009, -85.5211, 50.0, 0.0, -82.7485, 1.0],
  [50.0, 0.0, 0.0, 50.0, -1.0, 2.0, 2.3669],
  [50.0, -1.0, 2.0, 50.0, 0.0, 0.0, 2.3669],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0009, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.001, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0011, 7.2195],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0012, 7.2195],
  [50.0, -0.001, 2.49, 50.0, 0.0009, -2.49, 4.8045],
  [50.0, -0.001, 2.49, 50.0, 0.001, -2.49, 4.8045],
  [50.0, -0.001, 2.49, 50.0, 0.0011, -2.49, 4.7461],
  [50.0, 2.5, 0.0, 50.0, 0.0, -2.5, 4.3065],
  [50.0, 2.5, 0.0, 73.0, 25.0, -18.0, 27.1492],
  [50.0, 2.5, 0.0, 61.0, -5.0, 29.0, 22.8977],
  [50.0, 2.5, 0.0, 56.0, -27.0, -3.0, 31.903],
  [50.0, 2.5, 0.0, 58.0, 24.0, 15.0, 19.4535],
  [50.0, 2.5, 0.0, 50.0, 3.1736, 0.5854, 1.0],
  [50.0, 2.5, 0.0, 50.0, 3.2972, 0.0, 1.0],
  [50.0, 2.5, 0.0, 50.0, 1.8634, 0.5757, 1.0],
  [50.0, 2.5, 0.0, 50.0, 3.2592, 0.335, 1.0],
  [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
  [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.263],
  [61.2901, 3.7196, -5.3901, 61.4292, 2.248, -4.962, 1.8731],
  [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
  [22.7233, 20.0904, -46.694, 23.0331, 14.973, -42.5619, 2.0373],
  [36.4612, 47.858, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
  [90.8027, -2.0831, 1.441, 91.1528, -1.6435, 0.0447, 1.4441],
  [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
  [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
  [2.0776, 0.0795, -1.135, 0.9033, -0.0636, -0.5514, 0.9082],
];

describe('quality metrics: CIEDE2000', () => {
  it('matches every published Sharma test pair to 4 decimals, in both argument orders', () => {
    for (const [L1, a1, b1, L2, a2, b2, expected] of SHARMA) {
      assert.equal(deltaE2000(L1, a1, b1, L2, a2, b2).toFixed(4), expected.toFixed(4), `${L1},${a1},${b1} vs ${L2},${a2},${b2}`);
      assert.equal(deltaE2000(L2, a2, b2, L1, a1, b1).toFixed(4), expected.toFixed(4));
    }
  });

  it('converts sRGB white, black and a primary to their CIELAB values', () => {
    const lab = new Float64Array(3);
    srgbPixelToLab(255, 255, 255, lab);
    assert.ok(Math.abs(lab[0] - 100) < 0.01 && Math.abs(lab[1]) < 0.01 && Math.abs(lab[2]) < 0.01, `white ${[...lab]}`);
    srgbPixelToLab(0, 0, 0, lab);
    assert.ok(Math.abs(lab[0]) < 1e-9);
    // sRGB red is L* 53.24, a* 80.09, b* 67.20 under D65.
    srgbPixelToLab(255, 0, 0, lab);
    assert.ok(Math.abs(lab[0] - 53.24) < 0.05 && Math.abs(lab[1] - 80.09) < 0.1 && Math.abs(lab[2] - 67.2) < 0.1, `red ${[...lab]}`);
  });

  it('round-trips sRGB through linear light and measures a linear cast as a colour difference', () => {
    for (let v = 0; v < 256; v++) assert.equal(linearToSrgb(SRGB_TO_LINEAR[v]), v);
    const gray = { data: new Uint8Array(16 * 16 * 3).fill(128), width: 16, height: 16 };
    assert.equal(meanDeltaE2000(gray, gray), 0);
    const warm = scaleLinear(gray, [1.25, 1, 0.8]);
    assert.ok(warm.data[0] > 128 && warm.data[1] === 128 && warm.data[2] < 128);
    const d = meanDeltaE2000(gray, warm);
    assert.ok(d > 5 && d < 20, `ΔE2000 of a 1.25/0.8 cast on mid gray: ${d}`);
  });
});
