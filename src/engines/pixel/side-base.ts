/**
 * A base for large holes that does not mix the hole's sides. The membrane (harmonic fill) is the
 * smoothest surface meeting every side, so deep in a large hole it is an average of all of them:
 * between a shirt's red and blue stripes it is purple, between a blue sky and a yellow wall brown, a
 * colour the surroundings do not have. Where (and only where) the membrane is such a colour, each
 * pixel takes instead the colour of the side nearest to it, blurred more the deeper it lies so that the
 * sides meet softly; elsewhere the membrane stays, as the smoothest guess that is already a ring colour.
 * A ring without edges between areas (a sky's gradient) keeps the membrane whole: there a colour off
 * the ring is the gradient's own continuation.
 */
import { boxBlur } from '../box-blur.js';
import { knownMean } from './known-mean.js';
import { holeDistance } from './patchmatch.js';
import { paletteDistance, ringPalette } from './ring-palette.js';

/**
 * ΔE76 of the membrane from the ring's nearest body colour over which it is replaced, from none at
 * MIX_LOW to whole at MIX_HIGH. Measured at 512 px: on smooth and on one-coloured surroundings the
 * membrane stays within ~2 of the palette (brick, grass, facade, chelsea: medians 0.4–1.7); where it
 * averages distinct sides it goes beyond 10 (messi5's shirt, home's sky and wall: upper quartiles 10–12).
 */
const MIX_LOW = 4;
const MIX_HIGH = 8;
/**
 * Distinct sides are separated by an edge in the ring: a step of more than this many levels (RMS over
 * RGB) between the ring's smoothed colours 2·radius apart. A ring without one is a smooth field (a sky,
 * a lit wall), where the membrane off the ring's colours is the field's own continuation, not a mix.
 */
const SIDE_STEP = 24;
/** Share of the ring's pixels that must sit on such a step (a few pixels of noise are not an edge). */
const STEP_SHARE = 0.02;

/** Whether the ring (smoothed colours `smooth`, pixels `ring`) has edges between distinct areas. */
function ringHasSteps(smooth: Float32Array, known: Uint8Array, ring: Uint8Array, w: number, h: number, radius: number): boolean {
  let steps = 0, n = 0;
  const step2 = SIDE_STEP ** 2 * 3;
  const diff = (a: number, b: number) => {
    let e = 0;
    for (let c = 0; c < 3; c++) e += (smooth[3 * a + c] - smooth[3 * b + c]) ** 2;
    return e;
  };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const p = y * w + x;
    if (!ring[p]) continue;
    n++;
    const l = x - radius, r = x + radius, u = y - radius, d = y + radius;
    const horizontal = l >= 0 && r < w && known[p - radius] && known[p + radius] && diff(p - radius, p + radius) > step2;
    const vertical = u >= 0 && d < h && known[p - radius * w] && known[p + radius * w] && diff(p - radius * w, p + radius * w) > step2;
    if (horizontal || vertical) steps++;
  }
  return n > 0 && steps >= STEP_SHARE * n;
}

/**
 * Each unknown pixel's nearest known pixel's smoothed colour (a two-pass chamfer transform carrying
 * its source), blurred from `radius` at the border to a third of the hole's depth at its deepest, so
 * the seams between sides and the streaks along the rays soften.
 */
function nearestSide(original: Uint8Array, known: Uint8Array, depth: Uint16Array, w: number, h: number, radius: number): Float32Array {
  const smooth = knownMean(Float32Array.from(original), known, w, h, 3, radius);
  const dist = new Float32Array(w * h).fill(Infinity);
  const src = new Int32Array(w * h).fill(-1);
  for (let p = 0; p < w * h; p++) if (known[p]) { dist[p] = 0; src[p] = p; }
  const from = (p: number, q: number, step: number) => {
    if (dist[q] + step < dist[p]) { dist[p] = dist[q] + step; src[p] = src[q]; }
  };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const p = y * w + x;
    if (known[p]) continue;
    if (x > 0) from(p, p - 1, 1);
    if (y > 0) { from(p, p - w, 1); if (x > 0) from(p, p - w - 1, Math.SQRT2); if (x < w - 1) from(p, p - w + 1, Math.SQRT2); }
  }
  for (let y = h - 1; y >= 0; y--) for (let x = w - 1; x >= 0; x--) {
    const p = y * w + x;
    if (known[p]) continue;
    if (x < w - 1) from(p, p + 1, 1);
    if (y < h - 1) { from(p, p + w, 1); if (x < w - 1) from(p, p + w + 1, Math.SQRT2); if (x > 0) from(p, p + w - 1, Math.SQRT2); }
  }
  let deepest = 1;
  for (let p = 0; p < w * h; p++) {
    if (known[p]) continue;
    deepest = Math.max(deepest, depth[p]);
    if (src[p] >= 0) for (let c = 0; c < 3; c++) smooth[3 * p + c] = smooth[3 * src[p] + c];
  }
  const near = boxBlur(smooth, w, h, 3, radius);
  const wide = Math.max(radius, Math.round(deepest / 3));
  const far = boxBlur(boxBlur(smooth, w, h, 3, wide), w, h, 3, wide);
  for (let p = 0; p < w * h; p++) {
    if (known[p]) continue;
    const t = Math.min(1, depth[p] / deepest);
    for (let c = 0; c < 3; c++) smooth[3 * p + c] = near[3 * p + c] + t * (far[3 * p + c] - near[3 * p + c]);
  }
  return smooth;
}

/**
 * Replaces, in place, the parts of `base` (the membrane over the unknown pixels; `depth` their distance
 * to the known ones) whose colour is far from every body colour of the ring (the known pixels within
 * 2·radius of the hole) with the nearest side's colour. Unchanged when the membrane is a ring colour
 * everywhere.
 */
export function unmixBase(base: Float32Array, original: Uint8Array, known: Uint8Array, depth: Uint16Array, w: number, h: number, radius: number): void {
  const toHole = holeDistance(Uint8Array.from(known), w, h);
  const ring = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) ring[p] = known[p] && toHole[p] <= 2 * radius ? 1 : 0;
  if (!ringHasSteps(knownMean(Float32Array.from(original), known, w, h, 3, radius), known, ring, w, h, radius)) return;
  const palette = ringPalette(original, ring);
  if (palette.length === 0) return;
  const hole = Uint8Array.from(known, (k) => (k ? 0 : 1));
  const off = paletteDistance(Uint8Array.from(base, (v) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v))), hole, palette);
  const weight = new Float32Array(w * h);
  let any = false;
  for (let p = 0; p < w * h; p++) {
    if (!hole[p]) continue;
    weight[p] = Math.min(1, Math.max(0, (off[p] - MIX_LOW) / (MIX_HIGH - MIX_LOW)));
    if (weight[p] > 0) any = true;
  }
  if (!any) return;
  // Spread over a patch's width, so the switch between membrane and side leaves no edge of its own.
  const soft = boxBlur(weight, w, h, 1, radius);
  const side = nearestSide(original, known, depth, w, h, radius);
  for (let p = 0; p < w * h; p++) {
    if (!hole[p] || soft[p] <= 0) continue;
    for (let c = 0; c < 3; c++) base[3 * p + c] += soft[p] * (side[3 * p + c] - base[3 * p + c]);
  }
}
