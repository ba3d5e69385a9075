/**
 * The last step of out-painting: right at the placed input, the fill fades into the input's edge
 * continued outward. Exemplar patches agree with the border only on average; their pixel-level
 * texture steps against the outermost input row, which reads as a frame. The edge, carried a few
 * pixels out and handed over to the fill, hides that step. The placed input itself is not touched.
 */
export interface Rect { x: number; y: number; width: number; height: number }

/** Reflect `v` into [lo, hi) without repeating the edge pixel, bouncing as often as needed. */
export function reflect(v: number, lo: number, hi: number): number {
  const n = hi - lo;
  if (n <= 1) return lo;
  const period = 2 * (n - 1);
  let k = (((v - lo) % period) + period) % period;
  if (k >= n) k = period - k;
  return lo + k;
}

/** Prefix sums (3 channels, n + 1 entries) of n pixels along one edge of the input. */
function edgeSums(rgb: Uint8Array, w: number, n: number, at: (t: number) => [number, number]): Float64Array {
  const sums = new Float64Array(3 * (n + 1));
  for (let t = 0; t < n; t++) {
    const [x, y] = at(t);
    for (let c = 0; c < 3; c++) sums[3 * (t + 1) + c] = sums[3 * t + c] + rgb[3 * (y * w + x) + c];
  }
  return sums;
}

/**
 * Pixels of fill (outside `rect`) within `band` of it, blended toward the input's edge continued
 * outward: ring d takes the edge pixels averaged along the side over ±(d − 1) plus the fill's own
 * detail at that scale (the first ring repeats the edge pixel; a corner takes the corner pixel). A mirror about the edge, used before, doubles every
 * line running along the edge just inside it (brick's mortar at 30 %: a second line 2–5 px out, ring
 * steps 10–16 levels where the wall's own are ~1); the edge alone continues lines that cross the border
 * and adds none, the growing average keeps it from streaking, and the fill's detail keeps the band
 * from reading as a blurred frame on texture (grass).
 */
export function blendBorderBand(rgb: Uint8Array, w: number, h: number, rect: Rect, band: number): Uint8Array {
  const out = Uint8Array.from(rgb);
  if (band < 1) return out;
  const x0 = rect.x, y0 = rect.y, x1 = rect.x + rect.width, y1 = rect.y + rect.height;
  const top = edgeSums(rgb, w, rect.width, (t) => [x0 + t, y0]);
  const bottom = edgeSums(rgb, w, rect.width, (t) => [x0 + t, y1 - 1]);
  const left = edgeSums(rgb, w, rect.height, (t) => [x0, y0 + t]);
  const right = edgeSums(rgb, w, rect.height, (t) => [x1 - 1, y0 + t]);
  const edge = new Float32Array(3), fillMean = new Float32Array(3);
  for (let y = Math.max(0, y0 - band); y < Math.min(h, y1 + band); y++) {
    for (let x = Math.max(0, x0 - band); x < Math.min(w, x1 + band); x++) {
      const ex = Math.max(x0 - x, x - x1 + 1, 0), ey = Math.max(y0 - y, y - y1 + 1, 0);
      const d = Math.max(ex, ey);
      if (d <= 0 || d > band) continue;
      const p = 3 * (y * w + x);
      if (ex > 0 && ey > 0) {
        const q = 3 * (Math.min(y1 - 1, Math.max(y0, y)) * w + Math.min(x1 - 1, Math.max(x0, x)));
        for (let c = 0; c < 3; c++) edge[c] = rgb[q + c];
      } else {
        // The edge's mean over the stretch, plus the fill's own detail there (the fill less its mean
        // over the same stretch of its ring): the tone is carried out, texture is not blurred away.
        const [sums, n, t] = ey > 0 ? [y < y0 ? top : bottom, rect.width, x - x0] : [x < x0 ? left : right, rect.height, y - y0];
        const a = Math.max(0, t - (d - 1)), b = Math.min(n, t + d);
        fillMean.fill(0);
        for (let u = a; u < b; u++) {
          const q = 3 * (ey > 0 ? y * w + x0 + u : (y0 + u) * w + x);
          for (let c = 0; c < 3; c++) fillMean[c] += rgb[q + c];
        }
        for (let c = 0; c < 3; c++) edge[c] = (sums[3 * b + c] - sums[3 * a + c]) / (b - a) + rgb[p + c] - fillMean[c] / (b - a);
      }
      // Smooth hand-over: all edge next to the input, all fill at the band's outer edge.
      const f = (d - 1) / band;
      const a = 0.5 + 0.5 * Math.cos(Math.PI * f);
      for (let c = 0; c < 3; c++) out[p + c] = Math.max(0, Math.min(255, Math.round(a * edge[c] + (1 - a) * rgb[p + c])));
    }
  }
  return out;
}
