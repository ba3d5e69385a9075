/**
 * The repeat lattice of a regular texture (brick courses, tiles, window rows): two translations a, b
 * under which the input looks like itself. An exemplar fill that copies with arbitrary offsets
 * continues whichever lines run toward the margin (brick's long mortar lines) and drops the rest
 * (its courses stop at the input: streaks); one that copies only by whole lattice steps keeps every
 * line aligned, as the wall itself does.
 *
 * Found by the same period finder object removal uses (ring-offsets.ts): the input's edge band is the
 * ring of the margin "hole", and each of its textured patches carries the translation it repeats
 * under. Removal uses those periods one by one, each near its own part of the ring (a wall in
 * perspective, a facade beside a tree); an extension copies from up to hundreds of pixels away, where a
 * local period drifts out of phase, so here they must agree on one lattice: almost the whole edge
 * regular, and almost every period a whole-number combination of the two commonest. Anything less
 * certain returns undefined and the margin is filled as before. None of the bench's photos has one
 * (brick.png's wall is in perspective: its periods differ along the edge); made walls and tiles do.
 */
import { ringOffsets, type RingOffsets } from './ring-offsets.js';
import type { Rect } from './border-blend.js';

export interface Lattice {
  /** The two lattice vectors, full-resolution px (b not collinear with a). */
  ax: number; ay: number; bx: number; by: number;
  /** The share of the edge's periods that are points of the lattice (0..1). */
  confidence: number;
}

/** The periods are found on the canvas shrunk to at most this many pixels (PatchMatch's belonging level). */
const WORK_PIXELS = 300_000;
/** At least this share of the edge's textured samples must repeat: one texture all round the input. */
const MIN_REGULAR = 0.8;
/** At least this share of the periods must be lattice points (within 1 px). */
const MIN_ON_LATTICE = 0.7;
/** The second vector must be carried by this share of the periods off the first one's line, and this many. */
const MIN_SECOND = 0.1;
const MIN_SECOND_COUNT = 12;
/** A period joins the lattice only when this share of the periods (and at least 3) are it: a made wall's false period
 * (one course up, whole bricks across: its horizontal mortar matches) had 3 %. */
const MIN_VOTES = 0.05;
/** See repeatsUnder. */
const MAX_SHIFT_DIFFERENCE = 0.15;
/** A step shorter than this (working px) is fine texture PatchMatch continues anyway. */
const MIN_STEP = 4;

/** The repeat lattice of the input at `rect` of the RGB canvas `rgb` (w × h), or undefined. */
export function detectLattice(rgb: Uint8Array, w: number, h: number, rect: Rect): Lattice | undefined {
  let f = 1;
  while ((w / f) * (h / f) > WORK_PIXELS) f *= 2;
  const ww = Math.floor(w / f), wh = Math.floor(h / f);
  const img = f === 1 ? rgb : shrink(rgb, w, ww, wh, f);
  // The margin is the hole, the input (its shrunk box, whole pixels only) the known region.
  const x0 = Math.ceil(rect.x / f), y0 = Math.ceil(rect.y / f), x1 = Math.floor((rect.x + rect.width) / f), y1 = Math.floor((rect.y + rect.height) / f);
  if (x1 - x0 < 4 * MIN_STEP || y1 - y0 < 4 * MIN_STEP) return undefined;
  const hole = new Uint8Array(ww * wh).fill(1);
  for (let y = y0; y < y1; y++) hole.fill(0, y * ww + x0, y * ww + x1);
  const periods = ringOffsets(img, hole, distanceToMargin(ww, wh, x0, y0, x1, y1), ww, wh, 0);
  const l = periods && latticeOf(periods);
  if (!l) return undefined;
  // The lattice the periods vote for must hold for the whole input: both its steps repeat it.
  const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  if (!repeatsUnder(img, ww, box, l.ax, l.ay) || !repeatsUnder(img, ww, box, l.bx, l.by)) return undefined;
  return { ax: l.ax * f, ay: l.ay * f, bx: l.bx * f, by: l.by * f, confidence: l.confidence };
}

/**
 * Each pixel's chessboard distance to the margin around the box [x0, x1) × [y0, y1) of a ww × wh canvas
 * (0 in the margin): to its nearest side that has margin beyond it (a side on the canvas's edge has none).
 */
function distanceToMargin(ww: number, wh: number, x0: number, y0: number, x1: number, y1: number): Uint16Array {
  const d = new Uint16Array(ww * wh);
  const far = 65535;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
    d[y * ww + x] = Math.min(far, x0 > 0 ? x - x0 + 1 : far, x1 < ww ? x1 - x : far, y0 > 0 ? y - y0 + 1 : far, y1 < wh ? y1 - y : far);
  }
  return d;
}

/**
 * Whether the input (`box` of the RGB image, w wide) looks like itself moved by (dx, dy): the mean
 * squared difference over the overlap is below MAX_SHIFT_DIFFERENCE of what two unrelated pixels of it
 * differ by (twice its variance). Made walls: 0.02–0.06 at a true step; a step the periods' rounding
 * made up (8 px across 31-px bricks) 0.3.
 */
function repeatsUnder(img: Uint8Array, w: number, box: Rect, dx: number, dy: number): boolean {
  let d = 0, n = 0, s = 0, s2 = 0;
  const x0 = box.x + Math.max(0, -dx), x1 = box.x + box.width - Math.max(0, dx);
  const y0 = box.y + Math.max(0, -dy), y1 = box.y + box.height - Math.max(0, dy);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) {
    const a = img[3 * (y * w + x) + c], b = img[3 * ((y + dy) * w + x + dx) + c];
    d += (a - b) ** 2; s += a; s2 += a * a; n++;
  }
  if (n === 0) return false;
  const variance = s2 / n - (s / n) ** 2;
  return variance > 0 && d / n < MAX_SHIFT_DIFFERENCE * 2 * variance;
}

/**
 * One lattice all the ring's periods agree on (level px), or undefined. Each sample's period is one
 * lattice point, often a long one (three courses up and half a brick across), so the two commonest
 * generate only part of the lattice (every fifth brick on a large wall). The periods off it are then
 * grouped by their coset (their position modulo it: (0, 96) and (22, 80) both say "two courses up"), and
 * the best-carried coset joins while it carries MIN_VOTES of the periods and the lattice stays coarser
 * than MIN_STEP: a period off by a pixel, or a false one, would shrink it to nothing.
 */
export function latticeOf(o: RingOffsets): Lattice | undefined {
  const all = o.offsets.length / 2;
  const vs: [number, number][] = [];
  for (let k = 0; k < all; k++) if (o.offsets[2 * k] || o.offsets[2 * k + 1]) vs.push(canonical(o.offsets[2 * k], o.offsets[2 * k + 1]));
  if (vs.length < MIN_REGULAR * all) return undefined;
  const minVotes = Math.max(3, MIN_VOTES * vs.length);
  const ranked = commonest(vs).filter(([, n]) => n >= minVotes).map(([v]) => v).filter((v) => Math.hypot(...v) >= MIN_STEP);
  const a = ranked[0];
  const second = a && ranked.find((v) => Math.abs(a[0] * v[1] - a[1] * v[0]) > Math.hypot(...a));
  if (!a || !second) return undefined;
  let basis = reduce(a, second);
  const asLattice = (b: [[number, number], [number, number]]): Lattice => ({ ax: b[0][0], ay: b[0][1], bx: b[1][0], by: b[1][1], confidence: 0 });
  for (let round = 0; round < 4; round++) {
    const l = asLattice(basis);
    const cosets = new Map<string, number>();
    for (const v of vs) {
      const [px, py] = nearestLatticePoint(l, v[0], v[1]);
      if (Math.hypot(px - v[0], py - v[1]) <= 1) continue;
      const key = `${v[0] - px},${v[1] - py}`;
      cosets.set(key, (cosets.get(key) ?? 0) + 1);
    }
    // The best-carried coset that keeps the lattice coarse (a coset a pixel or two off the lattice is
    // the periods' rounding on a shrunk canvas, not a finer lattice).
    let finer: [[number, number], [number, number]] | undefined;
    for (const [key, n] of [...cosets.entries()].sort((p, q) => q[1] - p[1])) {
      if (n < minVotes) break;
      const f = generated([...basis, key.split(',').map(Number) as [number, number]]);
      if (f && Math.hypot(...f[0]) >= MIN_STEP && Math.abs(f[0][0] * f[1][1] - f[0][1] * f[1][0]) >= 2 * MIN_STEP * MIN_STEP) { finer = f; break; }
    }
    if (!finer) break;
    basis = finer;
  }
  const [ra] = basis;
  const l = asLattice(basis);
  // Both directions carried: enough periods on the lattice off the shorter step's line.
  const offLine = (v: [number, number]) => Math.abs(ra[0] * v[1] - ra[1] * v[0]) > Math.hypot(...ra);
  let on = 0, onOff = 0;
  for (const v of vs) {
    const [px, py] = nearestLatticePoint(l, v[0], v[1]);
    if (Math.hypot(px - v[0], py - v[1]) > 1) continue;
    on++;
    if (offLine(v)) onOff++;
  }
  if (on < MIN_ON_LATTICE * vs.length || onOff < Math.max(MIN_SECOND_COUNT, MIN_SECOND * vs.length)) return undefined;
  l.confidence = on / vs.length;
  return l;
}

/** A reduced basis of the integer lattice the vectors generate (Hermite normal form by extended gcd), or undefined when they are collinear. */
function generated(vs: [number, number][]): [[number, number], [number, number]] | undefined {
  // Basis (p, 0), (q, r): r the gcd of the y-components, p the gcd of the x-components of y-free combinations.
  let p = 0, q = 0, r = 0;
  for (const [vx, vy] of vs) {
    const [g, s, t] = egcd(r, vy);
    if (g === 0) { p = gcd(p, vx); continue; }
    // (q, r) and v become (s·q + t·vx, g) and a y-free combination.
    const yFree = (vy / g) * q - (r / g) * vx;
    q = s * q + t * vx; r = g;
    p = gcd(p, yFree);
  }
  if (p === 0 || r === 0) return undefined;
  return reduce([p, 0], [((q % p) + p) % p, r]);
}

function gcd(a: number, b: number): number {
  a = Math.abs(a); b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** [g, s, t] with s·a + t·b = g = gcd(a, b) ≥ 0. */
function egcd(a: number, b: number): [number, number, number] {
  let [r0, r1, s0, s1, t0, t1] = [a, b, 1, 0, 0, 1];
  while (r1 !== 0) {
    const k = Math.trunc(r0 / r1);
    [r0, r1] = [r1, r0 - k * r1]; [s0, s1] = [s1, s0 - k * s1]; [t0, t1] = [t1, t0 - k * t1];
  }
  return r0 < 0 ? [-r0, -s0, -t0] : [r0, s0, t0];
}

/** The lattice point i·a + j·b nearest to (ox, oy). */
export function nearestLatticePoint(l: Lattice, ox: number, oy: number): [number, number] {
  const det = l.ax * l.by - l.ay * l.bx;
  const i = Math.round((ox * l.by - oy * l.bx) / det), j = Math.round((l.ax * oy - l.ay * ox) / det);
  return [i * l.ax + j * l.bx, i * l.ay + j * l.by];
}

/** A period and its opposite are the same lattice vector: the one pointing down (or right on the row). */
function canonical(dx: number, dy: number): [number, number] {
  return dy < 0 || (dy === 0 && dx < 0) ? [-dx, -dy] : [dx, dy];
}

/** Distinct vectors with their counts, most frequent first. */
function commonest(vs: [number, number][]): [[number, number], number][] {
  const votes = new Map<string, number>();
  for (const [x, y] of vs) votes.set(`${x},${y}`, (votes.get(`${x},${y}`) ?? 0) + 1);
  return [...votes.entries()].sort((p, q) => q[1] - p[1]).map(([k, n]) => [k.split(',').map(Number) as [number, number], n]);
}

/** Lagrange–Gauss reduction: the two shortest vectors of the lattice a and b generate (snapping by them rounds best). */
function reduce(a: [number, number], b: [number, number]): [[number, number], [number, number]] {
  let [u, v] = Math.hypot(...a) <= Math.hypot(...b) ? [a, b] : [b, a];
  for (let it = 0; it < 32; it++) {
    const m = Math.round((u[0] * v[0] + u[1] * v[1]) / (u[0] * u[0] + u[1] * u[1]));
    const r: [number, number] = [v[0] - m * u[0], v[1] - m * u[1]];
    if (Math.hypot(...r) >= Math.hypot(...u)) return [u, r];
    [u, v] = [r, u];
  }
  return [u, v];
}

/** The canvas shrunk by `f` (area mean), ww × wh. */
function shrink(rgb: Uint8Array, w: number, ww: number, wh: number, f: number): Uint8Array {
  const out = new Uint8Array(ww * wh * 3);
  const n = f * f;
  for (let y = 0; y < wh; y++) for (let x = 0; x < ww; x++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += rgb[3 * ((y * f + dy) * w + x * f + dx) + c];
    out[3 * (y * ww + x) + c] = Math.round(s / n);
  }
  return out;
}
