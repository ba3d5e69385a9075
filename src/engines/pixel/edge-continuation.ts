/**
 * A smooth continuation of each edge of a placed input outward. Each side's band (`depth` px deep)
 * is averaged across its depth into a profile along the side; a pixel outside the input takes the
 * profile of the side it faces, averaged over a stretch that grows with its distance (REACH × the
 * distance either way along the side), and in a corner a mix of the two sides' by the angle. Far below
 * a building it keeps the wall's colour and beside it the sky's, where a harmonic membrane of the
 * whole border mixes them (home at 40 %: a grey-blue ghost of the building); nothing is mirrored (a
 * mirror that bounces paints the building into the sky above it), and the input's interior never
 * takes part. The base that far margins are built on.
 */
import type { Rect } from './border-blend.js';

/** Half the averaged stretch along the side, as a multiple of the distance from the input. */
const REACH = 1;

/** Chessboard distance of (x, y) from the rect (0 inside). */
export function distanceFrom(r: Rect, x: number, y: number): number {
  return Math.max(r.x - x, x - (r.x + r.width - 1), r.y - y, y - (r.y + r.height - 1), 0);
}

/** Prefix sums (3 channels, n + 1 entries) of one side's profile: the band's mean across its depth. */
function sideProfile(rgb: Uint8Array, w: number, n: number, depth: number, at: (t: number, k: number) => [number, number]): Float64Array {
  const sums = new Float64Array(3 * (n + 1));
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < depth; k++) { const [x, y] = at(t, k); s += rgb[3 * (y * w + x) + c]; }
      sums[3 * (t + 1) + c] = sums[3 * t + c] + s / depth;
    }
  }
  return sums;
}

/** Adds weight × the mean of the profile over [t - r, t + r] (clamped to the side) to out[o..o+3). */
function addMean(sums: Float64Array, n: number, t: number, r: number, weight: number, out: Float32Array, o: number): void {
  const a = Math.max(0, Math.min(n - 1, Math.round(t - r))), b = Math.max(a + 1, Math.min(n, Math.round(t + r) + 1));
  for (let c = 0; c < 3; c++) out[o + c] += (weight * (sums[3 * b + c] - sums[3 * a + c])) / (b - a);
}

/** RGB floats, w × h: every pixel outside `rect` its edges' continuation (see above); inside, the input. */
export function continueEdges(rgb: Uint8Array, w: number, h: number, rect: Rect, depth: number): Float32Array {
  const { x: x0, y: y0, width: rw, height: rh } = rect;
  const x1 = x0 + rw, y1 = y0 + rh;
  const dx = Math.max(1, Math.min(depth, rw)), dy = Math.max(1, Math.min(depth, rh));
  const top = sideProfile(rgb, w, rw, dy, (t, k) => [x0 + t, y0 + k]);
  const bottom = sideProfile(rgb, w, rw, dy, (t, k) => [x0 + t, y1 - 1 - k]);
  const left = sideProfile(rgb, w, rh, dx, (t, k) => [x0 + k, y0 + t]);
  const right = sideProfile(rgb, w, rh, dx, (t, k) => [x1 - 1 - k, y0 + t]);
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 3 * (y * w + x);
      // How far beyond the vertical and the horizontal sides the pixel lies (0 when within their span).
      const ex = x < x0 ? x0 - x : x >= x1 ? x - x1 + 1 : 0;
      const ey = y < y0 ? y0 - y : y >= y1 ? y - y1 + 1 : 0;
      if (ex === 0 && ey === 0) { for (let c = 0; c < 3; c++) out[o + c] = rgb[o + c]; continue; }
      const r = REACH * Math.hypot(ex, ey);
      // In a corner each side counts by how squarely the pixel faces it.
      const wy = ey / (ex + ey), wx = ex / (ex + ey);
      if (wy > 0) addMean(y < y0 ? top : bottom, rw, x - x0, r, wy, out, o);
      if (wx > 0) addMean(x < x0 ? left : right, rh, y - y0, r, wx, out, o);
    }
  }
  return out;
}
