/**
 * The last step of out-painting: right at the placed input, the fill fades into the input's own
 * reflection. Exemplar patches agree with the border only on average; their pixel-level texture
 * steps against the outermost input row, which reads as a frame. The reflection continues every
 * edge and texture across the border at the photo's own step, and hands over to the fill within a
 * few pixels. The placed input itself is not touched.
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

/**
 * Mirror `v` into [lo, hi) about the border itself, so the edge pixel is repeated once (half-sample
 * symmetric), bouncing as often as needed. Right outside an input it predicts the unknown pixel from
 * the edge pixel: on the bench's 8 photos at 4 sizes the first ring's RMS error against the truth is
 * 15.9 levels, against 24.4 for `reflect` (which predicts it from the pixel inside the edge).
 */
export function mirrorAbout(v: number, lo: number, hi: number): number {
  const n = hi - lo;
  if (n <= 1) return lo;
  const k = (((v - lo) % (2 * n)) + 2 * n) % (2 * n);
  return lo + (k >= n ? 2 * n - 1 - k : k);
}

/** Pixels of fill (outside `rect`) within `band` of it, blended toward the reflected input. */
export function blendBorderBand(rgb: Uint8Array, w: number, h: number, rect: Rect, band: number): Uint8Array {
  const out = Uint8Array.from(rgb);
  if (band < 1) return out;
  const x0 = rect.x, y0 = rect.y, x1 = rect.x + rect.width, y1 = rect.y + rect.height;
  for (let y = Math.max(0, y0 - band); y < Math.min(h, y1 + band); y++) {
    const my = mirrorAbout(y, y0, y1);
    for (let x = Math.max(0, x0 - band); x < Math.min(w, x1 + band); x++) {
      const d = Math.max(x0 - x, x - x1 + 1, y0 - y, y - y1 + 1);
      if (d <= 0 || d > band) continue;
      // Smooth hand-over: all reflection next to the input, all fill at the band's outer edge.
      const t = (d - 1) / band;
      const a = 0.5 + 0.5 * Math.cos(Math.PI * t);
      const p = 3 * (y * w + x), m = 3 * (my * w + mirrorAbout(x, x0, x1));
      for (let c = 0; c < 3; c++) out[p + c] = Math.round(a * rgb[m + c] + (1 - a) * rgb[p + c]);
    }
  }
  return out;
}
