/**
 * Large extensions: exemplar synthesis stays clean near the input, where every patch is held by the
 * border next to it, and drifts into garble far from it (streaks, repeated fragments, flat patches with
 * hard edges between them). So the exemplar fill is kept whole within NEAR of the input and handed over,
 * by FAR, to a smooth continuation of the border (a membrane pinned to each edge's continuation at the
 * canvas's frame: no edges of its own, each side's colour) that carries the exemplar fill's detail,
 * damped and limited to what the nearest border shows, plus the photo's own grain in place of the detail
 * taken away. Garble detected while filling (a patch residual far above the fill's typical one) is
 * handed over sooner, even next to the input. Do no harm: an unsure fill changes less.
 */
import { boxBlur } from '../box-blur.js';
import { xorshift32 } from '../../util/xorshift.js';
import type { Rect } from './border-blend.js';
import { continueEdges, distanceFrom } from './edge-continuation.js';
import { harmonicFill } from './membrane.js';
import { spreadDetailEnergy } from './hole-fill.js';

/** Distances from the input, as shares of its shorter side: exemplar fill whole up to NEAR, continuation from FAR. */
const NEAR = 0.06;
const FAR = 0.3;
/** Detail is what lies above a box of this share of the input's shorter side (at least 2 px). */
const DETAIL_SCALE = 0.03;
/** Detail gain far from the input, and its cap in multiples of the nearest border's RMS detail. */
const DETAIL_FAR = 0.6;
const DETAIL_LIMIT = 1.5;
/**
 * Patch residuals (RMS levels) above UNSURE_FROM × the fill's median plus UNSURE_LEVELS start the
 * hand-over; twice that completes it. Measured at 512 px (50 % extensions), median / 97th percentile:
 * rocket's sky 0.8 / 1.4, brick 0.7 / 5.6, chelsea's fur 6.4 / 14, grass 9.3 / 28, coffee 1.5 / 10
 * (its fragments next to the cup, over a smooth table).
 */
const UNSURE_FROM = 2;
const UNSURE_LEVELS = 2;
/**
 * How much farther the exemplar fill is kept whole when it continues a regular texture by whole lattice
 * steps (lattice.ts): a tiling does not drift into garble with distance the way free copies do.
 */
const REGULAR_REACH = 4;

/** The extension as it should be shown: `fill` is the canvas with every pixel outside `rect` painted by exemplars. */
export function blendExtension(fill: Uint8Array, w: number, h: number, rect: Rect, seed = 1, residual?: Float32Array, regular = false): Uint8Array {
  const short = Math.min(rect.width, rect.height);
  // A regular texture continued by lattice steps stays clean far out: its hand-over comes later.
  const near = NEAR * short * (regular ? REGULAR_REACH : 1), far = Math.max(near + 1, FAR * short * (regular ? REGULAR_REACH : 1));
  let anyFar = false;
  for (const d of [rect.x, rect.y, w - rect.x - rect.width, h - rect.y - rect.height]) anyFar ||= d > near;
  if (!anyFar) return fill;
  const known = new Uint8Array(w * h);
  for (let y = rect.y; y < rect.y + rect.height; y++) known.fill(1, y * w + rect.x, y * w + rect.x + rect.width);
  const radius = Math.max(2, Math.round(DETAIL_SCALE * short));
  const detail = spreadDetailEnergy(fill, known, w, h, radius);
  const grain = grainEnergy(fill, known, w, h);
  const base = smoothBase(fill, known, w, h, rect, Math.max(2, Math.round(near)));
  const f = Float32Array.from(fill);
  const low = boxBlur(f, w, h, 3, radius);
  const fine = boxBlur(f, w, h, 3, 1);
  const rand = xorshift32(seed);
  // The residual over a patch's width, against the fill's own typical residual: garble where the vote
  // averaged patches that disagree far more than they do elsewhere in this fill.
  const res = residual ? boxBlur(residual, w, h, 1, 3) : undefined;
  const typical = residual ? UNSURE_FROM * medianPositive(residual) + UNSURE_LEVELS : 0;
  const out = Uint8Array.from(fill);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = distanceFrom(rect, x, y);
      if (d === 0) continue;
      const p = y * w + x;
      const t = Math.max(0, Math.min(1, (d - near) / (far - near)));
      let s = t * t * (3 - 2 * t);
      // Garble detected while filling hands over sooner (from the input's edge on, fully by NEAR).
      if (res) s = Math.max(s, Math.min(1, d / near) * Math.max(0, Math.min(1, res[p] / typical - 1)));
      if (s === 0) continue;
      let m2 = 0, g2 = 0;
      for (let c = 0; c < 3; c++) {
        m2 += (f[3 * p + c] - low[3 * p + c]) ** 2;
        g2 += (f[3 * p + c] - fine[3 * p + c]) ** 2;
      }
      const m = Math.sqrt(m2 / 3);
      // Far out the detail is damped and capped by the border's; near, the exemplar fill stays as it is.
      const limited = Math.min(DETAIL_FAR, m > 0 ? (DETAIL_LIMIT * Math.sqrt(detail[p]) + 1) / m : 1);
      const gain = 1 - s + s * limited;
      // Grain makes up the fine detail the damping took away, up to the border's own grain.
      const kept = gain * Math.sqrt(g2 / 3);
      const grainAmp = s * Math.sqrt(Math.max(0, grain - kept * kept));
      // One luma grain value for all channels: sensor and film grain is mostly luma.
      const n = grainAmp * gaussian(rand);
      for (let c = 0; c < 3; c++) {
        const i = 3 * p + c;
        const lowPart = (1 - s) * low[i] + s * base[i];
        out[i] = Math.max(0, Math.min(255, Math.round(lowPart + gain * (f[i] - low[i]) + n)));
      }
    }
  }
  return out;
}

/**
 * The smooth continuation far margins are built on: a harmonic membrane (no edges or rays of its own)
 * between the input and the canvas's outer frame, the frame set to each edge's continuation
 * (edge-continuation.ts, from the band `depth` deep). A membrane from the input alone drifts to a mix
 * of every side far out (below home's building a grey-blue ghost of sky and wall); the edge
 * continuation alone fans into rays from the corners. Pinned at the frame, the membrane keeps each
 * side's colour and stays smooth.
 */
function smoothBase(fill: Uint8Array, known: Uint8Array, w: number, h: number, rect: Rect, depth: number): Float32Array {
  const frameOf = continueEdges(fill, w, h, rect, depth);
  const values = Float32Array.from(fill);
  const pinned = Uint8Array.from(known);
  const pin = (x: number, y: number) => {
    const p = y * w + x;
    if (pinned[p]) return;
    pinned[p] = 1;
    for (let c = 0; c < 3; c++) values[3 * p + c] = frameOf[3 * p + c];
  };
  for (let x = 0; x < w; x++) { pin(x, 0); pin(x, h - 1); }
  for (let y = 0; y < h; y++) { pin(0, y); pin(w - 1, y); }
  return harmonicFill(values, pinned, w, h, 3);
}

/** The median of the positive values (the residual is 0 off the fill). */
function medianPositive(v: Float32Array): number {
  const step = Math.max(1, Math.floor(v.length / 200_000));
  const e: number[] = [];
  for (let i = 0; i < v.length; i += step) if (v[i] > 0) e.push(v[i]);
  if (e.length === 0) return 0;
  e.sort((a, b) => a - b);
  return e[e.length >> 1];
}

/**
 * The photo's grain: the median over the input of the squared detail above a 3×3 box. The median, not
 * the mean: edges and texture are detail the exemplar fill carries; grain is what the flattest half has.
 */
function grainEnergy(rgb: Uint8Array, known: Uint8Array, w: number, h: number): number {
  const fine = boxBlur(Float32Array.from(rgb), w, h, 3, 1);
  const e: number[] = [];
  const step = Math.max(1, Math.floor(Math.sqrt((w * h) / 40_000)));
  for (let y = 1; y < h - 1; y += step) {
    for (let x = 1; x < w - 1; x += step) {
      const p = y * w + x;
      if (!known[p] || !known[p - 1] || !known[p + 1] || !known[p - w] || !known[p + w]) continue;
      let v = 0;
      for (let c = 0; c < 3; c++) v += (rgb[3 * p + c] - fine[3 * p + c]) ** 2;
      e.push(v / 3);
    }
  }
  if (e.length === 0) return 0;
  e.sort((a, b) => a - b);
  return e[e.length >> 1];
}

/** A standard normal sample (Box-Muller). */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(1e-12, rand()))) * Math.cos(2 * Math.PI * rand());
}
