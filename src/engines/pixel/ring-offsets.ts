/**
 * The translations under which a hole's surroundings repeat themselves, side by side. A regular
 * texture (brick courses, a facade's window rows) continues across a hole only when the fill copies it
 * by a whole number of periods; patch-by-patch matching alone bends and breaks the rows. He and Sun
 * (2012) take the dominant offsets of the whole photo; a single set does not fit a wall seen in
 * perspective (the courses converge), so here every textured patch of the ring is matched into the
 * known region (at least a patch width away, and not at half the shift: a period, not the length of a
 * line or a smooth shade), and where most of a side's patches repeat far better than their own
 * contrast, each carries its own translation as the period of the hole next to it. Sides without such
 * repetition (grass, a sky, a face, a tree beside a wall) carry none, and the fill there is searched
 * as before.
 */
import { xorshift32 } from '../../util/xorshift.js';
import { boxBlur } from '../box-blur.js';

/**
 * Patch radius of the offset search (level pixels): 11×11, larger than PatchMatch's 7×7, because a
 * period must be told apart from the many places a small patch of one mortar line matches.
 */
const R = 5;
/** Ring samples: known patch centres within this distance of the hole, on a grid of SAMPLE_STEP. */
const RING_DEPTH = 12;
const SAMPLE_STEP = 2;
/** An offset shorter than this (level pixels) is the patch itself or its neighbour, not a period. */
const MIN_OFFSET = 8;
/** A sample is textured when its patch's RMS contrast exceeds this many levels (flat patches match anywhere). */
const MIN_CONTRAST = 6;
/**
 * A match repeats the sample when its RMS difference is below this share of the sample's own RMS
 * contrast (median over a ring at 512 px: brick 0.36, the facade 0.50, building's ellipse 0.60; grass
 * 0.95, chelsea's fur 0.95–0.99, messi5 0.77–0.99).
 */
const REPEAT_RATIO = 0.45;
/** At half a period the texture must differ by at least this share of the patch's contrast. */
const HALF_CONTRAST = 0.6;
/**
 * A side is regular when at least this share of its textured samples repeat (measured at 512 px, per
 * eighth of the ring: brick 68–90 %, the facade 27–70 %; grass, fruits, home, chelsea 0–5 %, messi5
 * 10–15 %; one eighth of messi5's ellipse 41 % on the whole photo, none in the fill's crop).
 */
const REGULAR_SHARE = 0.35;
/** ...and has at least this many textured samples, within this radius (level pixels) of the sample. */
const MIN_SAMPLES = 12;
const SIDE_RADIUS = 24;
/** A hole whose ring's seeds are at least this share regular lies in a regular texture (see sideOf). */
const MOSTLY_REGULAR = 0.5;

export interface RingOffsets {
  /** Per seed (a textured ring sample), its period as (dx, dy) in pixels of the level they were found on; (0, 0) on an irregular side. */
  offsets: Int32Array;
  /** Per pixel of that level (w × h), the sample whose period applies there: the nearest one. */
  nearest: Int32Array;
  w: number;
  h: number;
  /** The level's index in the pyramid (its pixels are 2^shift finest pixels). */
  shift: number;
}

/** The period (dx, dy, level pixels of the offsets' level) that applies at that level's pixel (x, y); (0, 0) for none. */
export function periodAt(o: RingOffsets, x: number, y: number): [number, number] {
  const k = o.nearest[Math.min(o.h - 1, Math.max(0, Math.round(y))) * o.w + Math.min(o.w - 1, Math.max(0, Math.round(x)))];
  return [o.offsets[2 * k], o.offsets[2 * k + 1]];
}

/**
 * The periods of the ring of `hole` in `img` (RGB, w × h, level `shift` of a pyramid; `toHole` each
 * known pixel's chessboard distance to the hole, 0 in it), or undefined when no side repeats confidently.
 */
export function ringOffsets(img: Float32Array | Uint8Array, hole: Uint8Array, toHole: Uint16Array, w: number, h: number, shift: number): RingOffsets | undefined {
  // A source (and a sample) is a patch wholly inside the image and the known region.
  const free = new Uint8Array(w * h);
  for (let y = R; y < h - R; y++) for (let x = R; x < w - R; x++) free[y * w + x] = toHole[y * w + x] > R ? 1 : 0;

  const samples: number[] = [];
  const contrast: number[] = [];
  for (let y = R; y < h - R; y += SAMPLE_STEP) {
    for (let x = R; x < w - R; x += SAMPLE_STEP) {
      const p = y * w + x;
      if (!free[p] || toHole[p] > RING_DEPTH) continue;
      const c = patchContrast(img, w, x, y);
      if (c < MIN_CONTRAST) continue;
      samples.push(p);
      contrast.push(c);
    }
  }
  if (samples.length < MIN_SAMPLES) return undefined;

  // PatchMatch of the samples into the known region, offsets at least MIN_OFFSET long.
  const rand = xorshift32(7919);
  const ox = new Int32Array(samples.length), oy = new Int32Array(samples.length);
  const best = new Float64Array(samples.length).fill(Infinity);
  const raw = new Float64Array(samples.length).fill(Infinity);
  // Samples that match themselves along a line or a shade (a ledge, a mortar line) and nowhere else:
  // they say nothing about whether their side repeats, so they neither count for nor against it.
  const lineLike = new Uint8Array(samples.length);
  const sources: number[] = [];
  for (let p = 0; p < w * h; p++) if (free[p]) sources.push(p);
  if (sources.length === 0) return undefined;
  const patchN = 3 * (2 * R + 1) ** 2;
  // Among translations that match as well, the shorter wins: the nearest period is the most exact one
  // on a wall seen in perspective. A translation 100 px longer costs a 4-level RMS difference more.
  const lengthCost = (dx: number, dy: number) => (patchN * 16 * Math.sqrt(dx * dx + dy * dy)) / 100;
  const tryOffset = (k: number, dx: number, dy: number) => {
    if (dx * dx + dy * dy < MIN_OFFSET * MIN_OFFSET) return;
    const p = samples[k], x = p % w, y = (p - x) / w;
    const qx = x + dx, qy = y + dy;
    if (qx < 0 || qy < 0 || qx >= w || qy >= h || !free[qy * w + qx]) return;
    const extra = lengthCost(dx, dy);
    const d = patchSsd(img, w, x, y, qx, qy, best[k] - extra) + extra;
    if (d >= best[k]) return;
    // A period repeats the texture at its full length but not at half of it; a smooth shade or the
    // length of a line matches at every shift (those are continuations, not periods).
    const hx = x + Math.round(dx / 2), hy = y + Math.round(dy / 2);
    if (hx >= 0 && hy >= 0 && hx < w && hy < h && free[hy * w + hx]) {
      const half = Math.sqrt(patchSsd(img, w, x, y, hx, hy, Infinity) / patchN);
      if (half < HALF_CONTRAST * contrast[k]) {
        if (Math.sqrt((d - extra) / patchN) < REPEAT_RATIO * contrast[k]) lineLike[k] = 1;
        return;
      }
    }
    best[k] = d; ox[k] = dx; oy[k] = dy; raw[k] = d - extra;
  };
  for (let k = 0; k < samples.length; k++) {
    for (let t = 0; t < 4; t++) {
      const s = sources[Math.floor(rand() * sources.length)];
      const p = samples[k];
      tryOffset(k, (s % w) - (p % w), Math.floor(s / w) - Math.floor(p / w));
    }
  }
  const maxR = Math.max(w, h);
  for (let it = 0; it < 4; it++) {
    for (let k = 0; k < samples.length; k++) {
      // Neighbouring samples in raster order often share the period: try theirs.
      if (k > 0) tryOffset(k, ox[k - 1], oy[k - 1]);
      if (k + 1 < samples.length) tryOffset(k, ox[k + 1], oy[k + 1]);
      for (let r = maxR; r >= 1; r >>= 1) tryOffset(k, ox[k] + Math.round((rand() * 2 - 1) * r), oy[k] + Math.round((rand() * 2 - 1) * r));
    }
    // The most common offsets so far, tried on every sample (a period found by a few spreads to all).
    for (const [dx, dy] of commonOffsets(ox, oy, samples.length, 12)) for (let k = 0; k < samples.length; k++) { tryOffset(k, dx, dy); tryOffset(k, -dx, -dy); }
  }

  // Per side: a ring sample lies on a regular side when enough of the textured samples around it
  // (within SIDE_RADIUS) repeat. Each repeating sample of a regular side carries its own period (the
  // local one, on a wall seen in perspective); a textured sample elsewhere carries none, so a hole pixel
  // whose nearest textured sample is on an irregular side (a tree beside the wall) gets no period.
  const repeats = new Float32Array(w * h), textured = new Float32Array(w * h);
  const repeating = (k: number) => Math.sqrt(raw[k] / patchN) < REPEAT_RATIO * contrast[k];
  for (let k = 0; k < samples.length; k++) {
    if (!repeating(k) && lineLike[k]) continue;
    textured[samples[k]] = 1;
    if (repeating(k)) repeats[samples[k]] = 1;
  }
  const repeatNear = boxBlur(repeats, w, h, 1, SIDE_RADIUS), texturedNear = boxBlur(textured, w, h, 1, SIDE_RADIUS);
  const unit = 1 / (2 * SIDE_RADIUS + 1) ** 2;
  const isRegular = (p: number) => texturedNear[p] >= MIN_SAMPLES * unit && repeatNear[p] >= REGULAR_SHARE * texturedNear[p];
  const seeds: number[] = [];
  const offsets: number[] = [];
  let regular = 0;
  for (let k = 0; k < samples.length; k++) {
    const p = samples[k];
    if (!textured[p]) continue;
    if (isRegular(p)) {
      if (!repeats[p]) continue;
      offsets.push(ox[k], oy[k]);
      regular++;
    } else offsets.push(0, 0);
    seeds.push(p);
  }
  if (regular < MIN_SAMPLES) return undefined;
  return { shift, w, h, offsets: Int32Array.from(offsets), nearest: sideOf(hole, seeds, offsets, w, h) };
}

/**
 * Per pixel, the seed whose period applies there. A hole (one connected part of the mask) whose ring is
 * mostly regular lies in a regular texture: its irregular samples are local variations (a ledge's
 * shading, a stain), so every pixel takes the nearest regular seed's period. Elsewhere the nearest seed
 * decides, regular or not, so the part of a hole next to a tree gets no period from the wall beside it.
 */
function sideOf(hole: Uint8Array, seeds: number[], offsets: number[], w: number, h: number): Int32Array {
  const regularSeeds: number[] = [], regularIndex: number[] = [];
  seeds.forEach((p, k) => { if (offsets[2 * k] || offsets[2 * k + 1]) { regularSeeds.push(p); regularIndex.push(k); } });
  const nearestAll = nearestSeed(seeds, w, h);
  const nearestRegular = nearestSeed(regularSeeds, w, h);
  // The hole's connected parts, and for every pixel the part nearest to it.
  const label = new Int32Array(w * h).fill(-1);
  const holePixels: number[] = [], holeLabels: number[] = [];
  let parts = 0;
  for (let p0 = 0; p0 < w * h; p0++) {
    if (!hole[p0] || label[p0] >= 0) continue;
    const stack = [p0];
    label[p0] = parts;
    while (stack.length) {
      const p = stack.pop()!, x = p % w, y = (p - x) / w;
      holePixels.push(p); holeLabels.push(parts);
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const q = yy * w + xx;
        if (hole[q] && label[q] < 0) { label[q] = parts; stack.push(q); }
      }
    }
    parts++;
  }
  const nearestHole = nearestSeed(holePixels, w, h);
  const partOf = (p: number) => holeLabels[nearestHole[p]];
  const regularCount = new Int32Array(parts), seedCount = new Int32Array(parts);
  seeds.forEach((p, k) => { const c = partOf(p); seedCount[c]++; if (offsets[2 * k] || offsets[2 * k + 1]) regularCount[c]++; });
  const out = new Int32Array(w * h);
  for (let p = 0; p < w * h; p++) {
    const c = partOf(p);
    out[p] = regularCount[c] >= MOSTLY_REGULAR * seedCount[c] ? regularIndex[nearestRegular[p]] : nearestAll[p];
  }
  return out;
}

/** Per pixel, the index (in `seeds`' order) of the nearest seed pixel: a two-pass chamfer transform carrying its source. */
function nearestSeed(seeds: number[], w: number, h: number): Int32Array {
  const dist = new Float32Array(w * h).fill(Infinity);
  const src = new Int32Array(w * h).fill(-1);
  seeds.forEach((p, k) => { dist[p] = 0; src[p] = k; });
  const from = (p: number, q: number, step: number) => {
    if (dist[q] + step < dist[p]) { dist[p] = dist[q] + step; src[p] = src[q]; }
  };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const p = y * w + x;
    if (x > 0) from(p, p - 1, 1);
    if (y > 0) { from(p, p - w, 1); if (x > 0) from(p, p - w - 1, Math.SQRT2); if (x < w - 1) from(p, p - w + 1, Math.SQRT2); }
  }
  for (let y = h - 1; y >= 0; y--) for (let x = w - 1; x >= 0; x--) {
    const p = y * w + x;
    if (x < w - 1) from(p, p + 1, 1);
    if (y < h - 1) { from(p, p + w, 1); if (x < w - 1) from(p, p + w + 1, Math.SQRT2); if (x > 0) from(p, p + w - 1, Math.SQRT2); }
  }
  return src;
}

/** A period and its opposite are the same lattice vector: the one pointing down (or right on the row). */
function canonical(dx: number, dy: number): [number, number] {
  return dy < 0 || (dy === 0 && dx < 0) ? [-dx, -dy] : [dx, dy];
}

/** The `count` most frequent offsets (sign-free). */
function commonOffsets(ox: Int32Array, oy: Int32Array, n: number, count: number): [number, number][] {
  const votes = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const [dx, dy] = canonical(ox[k], oy[k]);
    if (dx === 0 && dy === 0) continue;
    votes.set(`${dx},${dy}`, (votes.get(`${dx},${dy}`) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k]) => k.split(',').map(Number) as [number, number]);
}

/** RMS contrast (levels, over RGB) of the patch at (x, y) around its own mean. */
function patchContrast(img: Float32Array | Uint8Array, w: number, x: number, y: number): number {
  let s = 0, s2 = 0;
  const m = 3 * (2 * R + 1) ** 2;
  const mean = [0, 0, 0];
  for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) for (let c = 0; c < 3; c++) mean[c] += img[3 * ((y + dy) * w + x + dx) + c];
  for (let c = 0; c < 3; c++) mean[c] /= m / 3;
  for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) for (let c = 0; c < 3; c++) {
    const v = img[3 * ((y + dy) * w + x + dx) + c] - mean[c];
    s += v; s2 += v * v;
  }
  return Math.sqrt(Math.max(0, s2 / m - (s / m) ** 2));
}

/** Sum of squared RGB differences of two patches; stops past `limit`. */
function patchSsd(img: Float32Array | Uint8Array, w: number, x: number, y: number, qx: number, qy: number, limit: number): number {
  let d = 0;
  for (let dy = -R; dy <= R; dy++) {
    const a = 3 * ((y + dy) * w + x - R), b = 3 * ((qy + dy) * w + qx - R);
    for (let i = 0; i < 3 * (2 * R + 1); i++) { const e = img[a + i] - img[b + i]; d += e * e; }
    if (d > limit) return d;
  }
  return d;
}
