/**
 * Out-paint's tone match: exemplar patches agree with the input's border on average over the whole
 * fill, not locally, so a margin of sky copied from the darker top of a photo meets the lighter sky at
 * its edge with a step in tone. The seam correction PatchMatch's fill gets (hole-fill.ts#removeSeams,
 * half the step, spread by push-pull) fades within a few pixels, which leaves a lighter halo hugging the
 * input and a rectangle of tone change around it (home at 30 %, rocket at 40 %: "the input's box").
 *
 * Here the step is measured as the difference of local means (input side against fill side, a box of
 * `radius` px, so texture across the border averages out) at every fill pixel touching the input, and
 * spread over the whole margin as a harmonic membrane pinned there, the canvas's frame free: a
 * constant offset stays constant out to the frame (nothing box-shaped), offsets that differ along the
 * border blend smoothly between them. The fill's own structure is untouched; only its tone moves.
 */
import type { Rect } from './border-blend.js';
import { knownMean } from './known-mean.js';
import { harmonicFill } from './membrane.js';

/** `fill` (RGB, w × h, the input at `rect`) with the tone of every pixel outside `rect` matched to the input's border. */
export function matchFillTone(fill: Uint8Array, w: number, h: number, rect: Rect, radius: number): Uint8Array {
  const n = w * h;
  const inside = new Uint8Array(n);
  for (let y = rect.y; y < rect.y + rect.height; y++) inside.fill(1, y * w + rect.x, y * w + rect.x + rect.width);
  const outside = inside.map((v) => 1 - v);
  // Local means of each side separately: neither side's colours leak into the other's.
  const values = Float32Array.from(fill);
  const meanIn = knownMean(values, inside, w, h, 3, radius), meanOut = knownMean(values, outside, w, h, 3, radius);
  const offset = new Float32Array(3 * n);
  const pinned = new Uint8Array(n);
  const x1 = rect.x + rect.width, y1 = rect.y + rect.height;
  for (let y = Math.max(0, rect.y - 1); y < Math.min(h, y1 + 1); y++) {
    for (let x = Math.max(0, rect.x - 1); x < Math.min(w, x1 + 1); x++) {
      const p = y * w + x;
      if (inside[p]) { pinned[p] = 1; continue; }
      // Fill pixels 4-adjacent to the input: together they enclose it, so the input's own values never matter.
      const touches = (x === rect.x - 1 || x === x1) !== (y === rect.y - 1 || y === y1);
      // Both sides are within `radius` of such a pixel, so both means are over pixels of their own side.
      if (!touches) continue;
      pinned[p] = 1;
      for (let c = 0; c < 3; c++) offset[3 * p + c] = meanIn[3 * p + c] - meanOut[3 * p + c];
    }
  }
  // The input takes its nearest side's offset: the membrane's coarse grids average pinned pixels, and
  // zeros inside would pull the offset halfway down far from the input.
  for (let y = rect.y; y < y1; y++) {
    for (let x = rect.x; x < x1; x++) {
      // Sides on the canvas's edge have no fill beside them: they never give their offset.
      const dl = rect.x > 0 ? x - rect.x : Infinity, dr = x1 < w ? x1 - 1 - x : Infinity;
      const dt = rect.y > 0 ? y - rect.y : Infinity, db = y1 < h ? y1 - 1 - y : Infinity;
      const m = Math.min(dl, dr, dt, db);
      if (m === Infinity) continue;
      const [sx, sy] = m === dl ? [rect.x - 1, y] : m === dr ? [x1, y] : m === dt ? [x, rect.y - 1] : [x, y1];
      if (sx < 0 || sy < 0 || sx >= w || sy >= h || !pinned[sy * w + sx]) continue;
      for (let c = 0; c < 3; c++) offset[3 * (y * w + x) + c] = offset[3 * (sy * w + sx) + c];
    }
  }
  const spread = harmonicFill(offset, pinned, w, h, 3, 60);
  const out = Uint8Array.from(fill);
  for (let p = 0; p < n; p++) {
    if (inside[p]) continue;
    for (let c = 0; c < 3; c++) out[3 * p + c] = Math.max(0, Math.min(255, Math.round(fill[3 * p + c] + spread[3 * p + c])));
  }
  return out;
}
