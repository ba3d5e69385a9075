/**
 * Which source patches belong to a hole. The best-matching patch over a whole photo is often the wrong
 * one: deep in a hole the target is still a smooth guess, and a grey guess matches grey fur better than
 * the green leaves around the hole. So sources are judged by their neighbourhood's colour and texture
 * against the hole's own surroundings: the ring just outside the hole, sampled side by side (a hole
 * between a shirt's red and blue stripes may take red or blue, not the photo's average). A source whose
 * local statistics match no ring sample pays a cost in the patch search, so it is used only where
 * nothing that belongs matches at all.
 */
import { boxBlur } from '../box-blur.js';
import { holeDistance } from './patchmatch.js';

/** Ring samples kept (evenly spread along the ring): enough for every side's colours, cheap to compare. */
const RING_SAMPLES = 96;
/** Colour tolerance (levels per channel, RMS) before a source stops belonging, on top of the ring's own texture. */
const COLOUR_TOLERANCE = 16;
/** Texture tolerance: the log ratio of local RMS detail (0.5 ≈ ×1.65). */
const TEXTURE_TOLERANCE = 0.5;
/** Local statistics window (radius, in pixels of the level they are computed on). */
const STATS_RADIUS = 3;

export interface Belonging {
  /** Per pixel of the statistics level: 0 = belongs, up to 1 = matches no ring sample. */
  cost: Float32Array;
  w: number;
  h: number;
  /** Level pixels per statistics pixel is 2^shift (the statistics level's index in the pyramid). */
  shift: number;
}

/**
 * The belonging map of one level (RGB `img`, `hole` 1 = unknown). Statistics are box means of colour
 * and of squared detail over known pixels only; the ring is the known pixels within 2·STATS_RADIUS of the hole.
 */
export function belongingMap(img: Float32Array | Uint8Array, hole: Uint8Array, w: number, h: number, shift: number): Belonging {
  const n = w * h;
  const known = new Float32Array(n);
  for (let p = 0; p < n; p++) known[p] = hole[p] ? 0 : 1;
  const count = boxBlur(known, w, h, 1, STATS_RADIUS);
  const masked = new Float32Array(n * 3);
  for (let p = 0; p < n; p++) if (!hole[p]) for (let c = 0; c < 3; c++) masked[3 * p + c] = img[3 * p + c];
  const sum = boxBlur(masked, w, h, 3, STATS_RADIUS);
  const mean = new Float32Array(n * 3);
  const sq = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    if (hole[p] || count[p] < 1e-6) continue;
    let e = 0;
    for (let c = 0; c < 3; c++) {
      mean[3 * p + c] = sum[3 * p + c] / count[p];
      e += (img[3 * p + c] - mean[3 * p + c]) ** 2;
    }
    sq[p] = e / 3;
  }
  const sqMean = boxBlur(sq, w, h, 1, STATS_RADIUS);
  const logRms = new Float32Array(n);
  for (let p = 0; p < n; p++) logRms[p] = count[p] > 1e-6 ? Math.log1p(Math.sqrt(sqMean[p] / count[p])) : 0;

  // holeDistance measures marked pixels to the nearest unmarked one: marking the known side gives their distance to the hole.
  const toHole = holeDistance(Uint8Array.from(known), w, h);
  const ring: number[] = [];
  for (let p = 0; p < n; p++) if (!hole[p] && toHole[p] <= 2 * STATS_RADIUS) ring.push(p);
  const samples = new Float32Array(Math.min(RING_SAMPLES, ring.length) * 5);
  const m = samples.length / 5;
  for (let k = 0; k < m; k++) {
    const p = ring[Math.floor(((k + 0.5) * ring.length) / m)];
    samples.set([mean[3 * p], mean[3 * p + 1], mean[3 * p + 2], logRms[p], Math.expm1(logRms[p])], 5 * k);
  }
  const cost = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    if (hole[p] || m === 0) continue;
    let best = Infinity;
    for (let k = 0; k < m && best > 0; k++) {
      const o = 5 * k;
      const colour = ((mean[3 * p] - samples[o]) ** 2 + (mean[3 * p + 1] - samples[o + 1]) ** 2 + (mean[3 * p + 2] - samples[o + 2]) ** 2) / 3;
      // The ring's own texture widens its colour tolerance: a textured ring's mean moves more.
      const d = colour / (COLOUR_TOLERANCE ** 2 + samples[o + 4] ** 2) + ((logRms[p] - samples[o + 3]) / TEXTURE_TOLERANCE) ** 2;
      if (d < best) best = d;
    }
    // Within tolerance belongs fully; the cost rises over the next three tolerances.
    cost[p] = Math.min(1, Math.max(0, (best - 1) / 3));
  }
  return { cost, w, h, shift };
}

/** The belonging cost (0..1) of pixel (x, y) of the level `level` of the same pyramid. */
export function belongingAt(b: Belonging, level: number, x: number, y: number): number {
  const d = level - b.shift;
  const bx = d >= 0 ? x << d : x >> -d, by = d >= 0 ? y << d : y >> -d;
  return b.cost[Math.min(b.h - 1, by) * b.w + Math.min(b.w - 1, bx)];
}
