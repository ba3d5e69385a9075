/**
 * Metrics for fills (object removal, the image extender) that see what PSNR misses. PSNR rewards a
 * smooth guess; these punish blur and garble alike, and check that a fill belongs to its surroundings:
 *
 * - `gradientSimilarity`: gradient-magnitude similarity (after Xue et al.'s GMSD, 2014) of the local
 *   gradient energy, at three scales, over the fill: a blur has no gradient where the truth has
 *   some, garble has gradient where the truth has none; both score low, texture of the truth's
 *   strength in the right places scores high. This is the benchmark's structural floor.
 * - `maskedMsSsim`: multi-scale SSIM (Wang, Simoncelli & Bovik 2003) on luma over the fill, reported
 *   beside it. Measured here it prefers a smooth smear to plausible texture in the wrong place (its
 *   structure term divides by the fill's own variance), so it is not the floor.
 * - `foreignColourShare`: the share of fill pixels whose colour is far (ΔE76 > 10) from every colour
 *   of the ring around the fill: a smear of a colour the surroundings do not have (fur copied into
 *   leaves, a shirt's colour into a saucer).
 * - `mixedColourShare`: the share of fill pixels that are a mixture of two distinct areas of the ring
 *   (on the line between two of its body colours, near neither): a membrane's purple between a red
 *   and a blue stripe, which foreignColourShare misses because the stripes' border pixels are purple.
 * - `garbleShare`: where the original is smooth, the share the fill covers with hard edges (streaks,
 *   flat patches with hard borders). A blur scores 0 here and low on MS-SSIM; garble the reverse.
 * - `largestCopy`: the largest region of the fill that is a translated copy of the input (patch match
 *   within a few levels, one offset), as the side of a square of that area.
 */
import { xorshift32 } from '../../src/util/xorshift.js';
import type { Rgb } from './images.js';
import { srgbPixelToLab } from './metrics.js';

function luma(img: Rgb): Float32Array {
  const out = new Float32Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
  return out;
}

const GAUSS = (() => {
  const k = new Float32Array(11);
  let s = 0;
  for (let i = 0; i < 11; i++) s += (k[i] = Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2)));
  return k.map((v) => v / s);
})();

/** Separable 11-tap Gaussian (σ 1.5), edges clamped. */
function gaussian(v: Float32Array, w: number, h: number): Float32Array {
  const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let k = -5; k <= 5; k++) s += GAUSS[k + 5] * v[y * w + Math.min(w - 1, Math.max(0, x + k))];
    tmp[y * w + x] = s;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let k = -5; k <= 5; k++) s += GAUSS[k + 5] * tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x];
    out[y * w + x] = s;
  }
  return out;
}

/** 2× box downsample of a plane; of a mask, a coarse pixel is set when any child is. */
function halve(v: Float32Array, w: number, h: number, any = false): Float32Array {
  const cw = w >> 1, chh = h >> 1;
  const out = new Float32Array(cw * chh);
  for (let y = 0; y < chh; y++) for (let x = 0; x < cw; x++) {
    const a = v[2 * y * w + 2 * x], b = v[2 * y * w + 2 * x + 1], c = v[(2 * y + 1) * w + 2 * x], d = v[(2 * y + 1) * w + 2 * x + 1];
    out[y * cw + x] = any ? Math.max(a, b, c, d) : (a + b + c + d) / 4;
  }
  return out;
}

/** MS-SSIM weights of the first three scales (Wang et al.), renormalised to sum to 1. */
const MS_WEIGHTS = [0.0448, 0.2856, 0.3001].map((v, _i, a) => v / (a[0] + a[1] + a[2]));

/** Multi-scale SSIM on luma over the pixels `mask` marks (1 = same; blur and garble both lower it). */
export function maskedMsSsim(a: Rgb, b: Rgb, mask: Uint8Array): number {
  let x: Float32Array = luma(a), y: Float32Array = luma(b), m: Float32Array = Float32Array.from(mask, (v) => (v ? 1 : 0));
  let w = a.width, h = a.height;
  const c1 = (0.01 * 255) ** 2, c2 = (0.03 * 255) ** 2;
  let score = 1;
  for (let s = 0; s < MS_WEIGHTS.length; s++) {
    const mx = gaussian(x, w, h), my = gaussian(y, w, h);
    const xx = gaussian(x.map((v) => v * v), w, h), yy = gaussian(y.map((v) => v * v), w, h);
    const xy = gaussian(x.map((v, i) => v * y[i]), w, h);
    let cs = 0, lum = 0, n = 0;
    for (let i = 0; i < w * h; i++) {
      if (!m[i]) continue;
      const vx = Math.max(0, xx[i] - mx[i] ** 2), vy = Math.max(0, yy[i] - my[i] ** 2), cov = xy[i] - mx[i] * my[i];
      cs += (2 * cov + c2) / (vx + vy + c2);
      lum += (2 * mx[i] * my[i] + c1) / (mx[i] ** 2 + my[i] ** 2 + c1);
      n++;
    }
    if (n === 0) break;
    // Negative mean structure (anti-correlated detail) counts as none, as is usual for MS-SSIM.
    score *= Math.max(0, cs / n) ** MS_WEIGHTS[s];
    if (s === MS_WEIGHTS.length - 1) score *= Math.max(0, lum / n) ** MS_WEIGHTS[s];
    x = halve(x, w, h); y = halve(y, w, h); m = halve(m, w, h, true);
    w >>= 1; h >>= 1;
    if (w < 11 || h < 11) break;
  }
  return score;
}

/** Gradient similarity constant, (levels per pixel)²: flat against flat scores 1 whatever the grain. */
const GRADIENT_C = 4;

/** Per pixel, the root of the local (Gaussian σ 1.5) mean of the squared central-difference gradient. */
function gradientEnergy(v: Float32Array, w: number, h: number): Float32Array {
  const g2 = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    const gx = (v[y * w + Math.min(w - 1, x + 1)] - v[y * w + Math.max(0, x - 1)]) / 2;
    const gy = (v[Math.min(h - 1, y + 1) * w + x] - v[Math.max(0, y - 1) * w + x]) / 2;
    g2[i] = gx * gx + gy * gy;
  }
  return gaussian(g2, w, h).map(Math.sqrt);
}

/** Mean over three scales of the gradient similarity over the pixels `mask` marks (1 = same; blur and garble both lower it). */
export function gradientSimilarity(a: Rgb, b: Rgb, mask: Uint8Array): number {
  let x: Float32Array = luma(a), y: Float32Array = luma(b), m: Float32Array = Float32Array.from(mask, (v) => (v ? 1 : 0));
  let w = a.width, h = a.height;
  let total = 0, scales = 0;
  for (let s = 0; s < 3 && w >= 11 && h >= 11; s++) {
    const gx = gradientEnergy(x, w, h), gy = gradientEnergy(y, w, h);
    let sum = 0, n = 0;
    for (let i = 0; i < w * h; i++) {
      if (!m[i]) continue;
      sum += (2 * gx[i] * gy[i] + GRADIENT_C) / (gx[i] ** 2 + gy[i] ** 2 + GRADIENT_C);
      n++;
    }
    if (n === 0) break;
    total += sum / n;
    scales++;
    x = halve(x, w, h); y = halve(y, w, h); m = halve(m, w, h, true);
    w >>= 1; h >>= 1;
  }
  return scales ? total / scales : NaN;
}

/** Pixels outside `mask` within `width` (chessboard) of it. */
export function ringOf(mask: Uint8Array, w: number, h: number, width: number): Uint8Array {
  // Two passes of a chessboard distance transform from the masked pixels.
  const d = new Int32Array(w * h).fill(1 << 20);
  for (let i = 0; i < d.length; i++) if (mask[i]) d[i] = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (x > 0) d[i] = Math.min(d[i], d[i - 1] + 1);
    if (y > 0) {
      d[i] = Math.min(d[i], d[i - w] + 1);
      if (x > 0) d[i] = Math.min(d[i], d[i - w - 1] + 1);
      if (x < w - 1) d[i] = Math.min(d[i], d[i - w + 1] + 1);
    }
  }
  for (let y = h - 1; y >= 0; y--) for (let x = w - 1; x >= 0; x--) {
    const i = y * w + x;
    if (x < w - 1) d[i] = Math.min(d[i], d[i + 1] + 1);
    if (y < h - 1) {
      d[i] = Math.min(d[i], d[i + w] + 1);
      if (x < w - 1) d[i] = Math.min(d[i], d[i + w + 1] + 1);
      if (x > 0) d[i] = Math.min(d[i], d[i + w - 1] + 1);
    }
  }
  return Uint8Array.from(d, (v) => (v > 0 && v <= width ? 1 : 0));
}

/** A fill pixel farther than this (ΔE76) from every ring colour is foreign to its surroundings. */
const FOREIGN_DELTA_E = 10;
const LAB_CELL = 2;

/** Lab colours of the pixels `where` marks, quantised to LAB_CELL units, deduplicated. */
function labCells(img: Rgb, where: Uint8Array): Map<string, [number, number, number, number]> {
  const lab = new Float64Array(3);
  const cells = new Map<string, [number, number, number, number]>();
  for (let i = 0; i < where.length; i++) {
    if (!where[i]) continue;
    srgbPixelToLab(img.data[3 * i], img.data[3 * i + 1], img.data[3 * i + 2], lab);
    const q = [Math.round(lab[0] / LAB_CELL), Math.round(lab[1] / LAB_CELL), Math.round(lab[2] / LAB_CELL)];
    const key = q.join(',');
    const c = cells.get(key);
    if (c) c[3]++;
    else cells.set(key, [q[0] * LAB_CELL, q[1] * LAB_CELL, q[2] * LAB_CELL, 1]);
  }
  return cells;
}

/** Share of the fill (`mask`) whose colour is more than FOREIGN_DELTA_E from every colour of `ring`. */
export function foreignColourShare(img: Rgb, mask: Uint8Array, ring: Uint8Array): number {
  const ringCells = [...labCells(img, ring).values()];
  let foreign = 0, total = 0;
  const t2 = FOREIGN_DELTA_E ** 2;
  for (const [L, A, B, n] of labCells(img, mask).values()) {
    total += n;
    let near = false;
    for (const [l, a, b] of ringCells) if ((L - l) ** 2 + (A - a) ** 2 + (B - b) ** 2 <= t2) { near = true; break; }
    if (!near) foreign += n;
  }
  return total ? foreign / total : 0;
}

/**
 * A ring colour is part of the ring's body (not a thin transition between two areas) when this share
 * of the ring lies within BODY_RADIUS (ΔE76) of it.
 */
const BODY_SHARE = 0.01;
const BODY_RADIUS = 5;
/** Body colours are looked up on cells this coarse (ΔE76 units): a palette of tens, not thousands. */
const BODY_CELL = 4;
/** Two body colours this far apart (ΔE76) are distinct areas: a fill colour between them is a mixture. */
const DISTINCT_DELTA_E = 30;

/**
 * The ring's body colours: the colours of its areas, without the thin transitions between them (a
 * red stripe beside a blue one has a few purple pixels on the line between them; a purple smear over
 * both is not the ring's colour even though those pixels exist).
 */
function ringBody(img: Rgb, ring: Uint8Array): [number, number, number][] {
  const cells = [...labCells(img, ring).values()];
  let total = 0;
  for (const c of cells) total += c[3];
  const coarse = new Map<string, [number, number, number, number]>();
  for (const [l, a, b, n] of cells) {
    const key = `${Math.round(l / BODY_CELL)},${Math.round(a / BODY_CELL)},${Math.round(b / BODY_CELL)}`;
    const c = coarse.get(key);
    if (c) { c[0] += l * n; c[1] += a * n; c[2] += b * n; c[3] += n; } else coarse.set(key, [l * n, a * n, b * n, n]);
  }
  const centres = [...coarse.values()].map(([l, a, b, n]) => [l / n, a / n, b / n] as [number, number, number]);
  const t2 = BODY_RADIUS ** 2;
  return centres.filter(([L, A, B]) => {
    let near = 0;
    for (const [l, a, b, n] of cells) if ((L - l) ** 2 + (A - a) ** 2 + (B - b) ** 2 <= t2) near += n;
    return near >= BODY_SHARE * total;
  });
}

/** Squared distance of point c from the segment a–b (Lab). */
function segmentDistance2(c: number[], a: number[], b: number[]): number {
  const d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const len2 = d[0] ** 2 + d[1] ** 2 + d[2] ** 2;
  const t = Math.max(0, Math.min(1, ((c[0] - a[0]) * d[0] + (c[1] - a[1]) * d[1] + (c[2] - a[2]) * d[2]) / len2));
  return (c[0] - a[0] - t * d[0]) ** 2 + (c[1] - a[1] - t * d[1]) ** 2 + (c[2] - a[2] - t * d[2]) ** 2;
}

/**
 * Share of the fill (`mask`) that is a mixture of the ring's areas: colours farther than
 * FOREIGN_DELTA_E from every body colour of the ring (see ringBody) but within it of the line between
 * two body colours at least DISTINCT_DELTA_E apart. A membrane across a hole between a red and a blue
 * shirt stripe is purple there; foreignColourShare does not see it, because the stripes' thin purple
 * border is in the ring.
 */
export function mixedColourShare(img: Rgb, mask: Uint8Array, ring: Uint8Array): number {
  const body = ringBody(img, ring);
  const pairs: [number[], number[]][] = [];
  for (let i = 0; i < body.length; i++) for (let j = i + 1; j < body.length; j++) {
    const [a, b] = [body[i], body[j]];
    if ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2 >= DISTINCT_DELTA_E ** 2) pairs.push([a, b]);
  }
  const t2 = FOREIGN_DELTA_E ** 2;
  let mixed = 0, total = 0;
  for (const [L, A, B, n] of labCells(img, mask).values()) {
    total += n;
    const c = [L, A, B];
    if (body.some(([l, a, b]) => (L - l) ** 2 + (A - a) ** 2 + (B - b) ** 2 <= t2)) continue;
    if (pairs.some(([a, b]) => segmentDistance2(c, a, b) <= t2)) mixed += n;
  }
  return total ? mixed / total : 0;
}

/** Gradient magnitude of luma after a light blur (σ 1.5), so JPEG and sensor grain are not edges. */
function edgeStrength(img: Rgb): Float32Array {
  const { width: w, height: h } = img;
  const g = gaussian(luma(img), w, h);
  const out = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const i = y * w + x;
    out[i] = Math.hypot(g[i + 1] - g[i - 1], g[i + w] - g[i - w]) / 2;
  }
  return out;
}

/** Levels per pixel of (blurred) luma gradient that make a hard edge; smooth is under a third of it. */
const EDGE = 6;
const SMOOTH_REACH = 3;

/**
 * Where the original is smooth (no gradient above EDGE/3 within SMOOTH_REACH px), the share of fill
 * pixels the result puts a hard edge (gradient > EDGE) on. NaN when the original has no smooth area in the fill.
 */
export function garbleShare(result: Rgb, truth: Rgb, mask: Uint8Array): number {
  const { width: w, height: h } = truth;
  const gt = edgeStrength(truth), gr = edgeStrength(result);
  // Largest truth gradient within SMOOTH_REACH (separable max).
  const rowMax = new Float32Array(w * h), near = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let m = 0;
    for (let k = -SMOOTH_REACH; k <= SMOOTH_REACH; k++) m = Math.max(m, gt[y * w + Math.min(w - 1, Math.max(0, x + k))]);
    rowMax[y * w + x] = m;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let m = 0;
    for (let k = -SMOOTH_REACH; k <= SMOOTH_REACH; k++) m = Math.max(m, rowMax[Math.min(h - 1, Math.max(0, y + k)) * w + x]);
    near[y * w + x] = m;
  }
  let smooth = 0, garbled = 0;
  for (let i = 0; i < w * h; i++) {
    if (!mask[i] || near[i] > EDGE / 3) continue;
    smooth++;
    if (gr[i] > EDGE) garbled++;
  }
  return smooth ? garbled / smooth : NaN;
}

const COPY_RADIUS = 3;
/** A fill patch within this RMS (levels) of an input patch is a copy of it. */
const COPY_RMS = 4;
/** Patches flatter than this luma std are not counted: a flat patch matches any flat place. */
const COPY_MIN_STD = 4;

/**
 * The largest region of the fill (`mask`) that repeats the input (`inside`) by translation: fill
 * pixels on a 2-px grid whose 7×7 patch matches an input patch within COPY_RMS, joined when their
 * offsets agree (±1 px). Approximate nearest neighbours by PatchMatch (Barnes et al. 2009). Returns
 * the side of the square of the largest region's area, in pixels.
 */
export function largestCopy(img: Rgb, mask: Uint8Array, inside: Uint8Array): number {
  const { width: w, height: h, data } = img;
  const R = COPY_RADIUS;
  const valid = (x: number, y: number, m: Uint8Array) => {
    if (x < R || y < R || x >= w - R || y >= h - R) return false;
    for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) if (!m[(y + dy) * w + x + dx]) return false;
    return true;
  };
  const sources: number[] = [];
  for (let y = R; y < h - R; y++) for (let x = R; x < w - R; x++) if (inside[y * w + x] && valid(x, y, inside)) sources.push(y * w + x);
  const gw = Math.ceil(w / 2), gh = Math.ceil(h / 2);
  const target = new Int32Array(gw * gh).fill(-1);
  const lum = luma(img);
  for (let gy = 0; gy < gh; gy++) for (let gx = 0; gx < gw; gx++) {
    const x = 2 * gx, y = 2 * gy;
    if (!mask[y * w + x] || !valid(x, y, mask)) continue;
    let s = 0, s2 = 0;
    for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) { const v = lum[(y + dy) * w + x + dx]; s += v; s2 += v * v; }
    const n = (2 * R + 1) ** 2;
    if (Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)) >= COPY_MIN_STD) target[gy * gw + gx] = y * w + x;
  }
  if (sources.length === 0) return 0;
  const dist = (t: number, s: number, limit: number) => {
    let d = 0;
    for (let dy = -R; dy <= R; dy++) {
      const to = 3 * (t + dy * w), so = 3 * (s + dy * w);
      for (let k = -3 * R; k < 3 * R + 3; k++) { const e = data[to + k] - data[so + k]; d += e * e; }
      if (d > limit) return d;
    }
    return d;
  };
  const rand = xorshift32(7);
  const nn = new Int32Array(gw * gh).fill(-1), nd = new Float64Array(gw * gh).fill(Infinity);
  const isSource = (s: number) => { const x = s % w, y = (s - x) / w; return x >= 0 && y >= 0 && x < w && y < h && valid(x, y, inside); };
  const tryS = (g: number, s: number) => {
    if (s === nn[g] || !isSource(s)) return;
    const d = dist(target[g], s, nd[g]);
    if (d < nd[g]) { nd[g] = d; nn[g] = s; }
  };
  for (let g = 0; g < target.length; g++) if (target[g] >= 0) tryS(g, sources[Math.floor(rand() * sources.length)]);
  for (let it = 0; it < 5; it++) {
    const rev = it % 2 === 1, step = rev ? -1 : 1;
    for (let k = 0; k < target.length; k++) {
      const g = rev ? target.length - 1 - k : k;
      if (target[g] < 0) continue;
      const gx = g % gw, gy = (g - gx) / gw;
      // Propagation: the neighbour's source shifted by the 2-px grid step.
      const px = gx - step, py = gy - step;
      if (px >= 0 && px < gw && nn[gy * gw + px] >= 0) tryS(g, nn[gy * gw + px] + 2 * step);
      if (py >= 0 && py < gh && nn[py * gw + gx] >= 0) tryS(g, nn[py * gw + gx] + 2 * step * w);
      for (let r = Math.max(w, h); r >= 1; r >>= 1) {
        const sx = (nn[g] % w) + Math.round((rand() * 2 - 1) * r), sy = Math.floor(nn[g] / w) + Math.round((rand() * 2 - 1) * r);
        if (sx >= 0 && sy >= 0 && sx < w && sy < h) tryS(g, sy * w + sx);
      }
    }
  }
  // Regions of copied grid pixels with (nearly) one offset.
  const limit = COPY_RMS ** 2 * 3 * (2 * R + 1) ** 2;
  const copied = (g: number) => target[g] >= 0 && nd[g] <= limit;
  const offset = (g: number) => [nn[g] % w - target[g] % w, Math.floor(nn[g] / w) - Math.floor(target[g] / w)];
  const seen = new Uint8Array(gw * gh);
  let best = 0;
  for (let g0 = 0; g0 < target.length; g0++) {
    if (seen[g0] || !copied(g0)) continue;
    const stack = [g0];
    seen[g0] = 1;
    let n = 0;
    while (stack.length) {
      const g = stack.pop()!;
      n++;
      const [ox, oy] = offset(g);
      const gx = g % gw, gy = (g - gx) / gw;
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const qx = gx + dx, qy = gy + dy;
        if (qx < 0 || qy < 0 || qx >= gw || qy >= gh) continue;
        const q = qy * gw + qx;
        if (seen[q] || !copied(q)) continue;
        const [px, py] = offset(q);
        if (Math.abs(px - ox) > 1 || Math.abs(py - oy) > 1) continue;
        seen[q] = 1;
        stack.push(q);
      }
    }
    best = Math.max(best, n);
  }
  return Math.sqrt(best * 4);
}
