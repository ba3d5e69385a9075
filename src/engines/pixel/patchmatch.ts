/**
 * Multi-scale exemplar inpainting (Wexler et al. "Space-Time Completion", with Barnes et al.'s
 * PatchMatch for the nearest-neighbour search). Pure TypeScript on typed arrays; it runs inside a
 * pool worker. Holes are filled coarse to fine: at each level the nearest-neighbour field (NNF) maps
 * every patch that touches the hole to a patch of known pixels, and hole pixels become the weighted
 * vote of all patches covering them. Structure therefore continues from the hole's borders.
 */
import { xorshift32 } from '../../util/xorshift.js';
import { periodAt, ringOffsets, type RingOffsets } from './ring-offsets.js';
import { belongingAt, belongingMap, type Belonging } from './source-belonging.js';
import { nearestLatticePoint, type Lattice } from './lattice.js';

export interface InpaintInput {
  /** RGB, 3 bytes per pixel. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** 1 byte per pixel: non-zero = fill this pixel. */
  hole: Uint8Array;
  /**
   * Optional, 1 byte per pixel: known pixels of the salient subject. Patches touching them are not
   * copied into the fill except next to where the subject meets the hole, so a subject cut by the
   * border may continue but is never repeated across a background margin.
   */
  avoid?: Uint8Array;
  /** Full-resolution distance from the subject within which fill may still copy subject patches. */
  subjectReach?: number;
  /** Levels above this many pixels skip the search and only re-vote the upsampled field. */
  searchPixelCap?: number;
  seed?: number;
  /** Write the fill into `rgb` and return it instead of a copy (the finest level reads `rgb` until the end). */
  inPlace?: boolean;
  /**
   * Build the pyramid down until the hole is ~2 px deep (coarsest side floor 6·RADIUS instead of
   * 16·RADIUS). A large closed hole otherwise stops ~10 px deep, is seeded smooth and matched to the
   * smoothest sources (a blurred blob); out-paint's frame keeps the higher floor, which its fill
   * PSNR needs (16.53 → 15.03 dB with the deep pyramid, below the blurred mirror).
   */
  deepPyramid?: boolean;
  /**
   * Judge sources by their neighbourhood's colour and texture against the hole's ring (see
   * source-belonging.ts): sources that match no part of the ring cost as much as a subject patch.
   */
  belonging?: boolean;
  /**
   * Called once at the end with each hole pixel's patch residual: the RMS difference (levels) between
   * the finished fill around it and the source patch its match points to, over `box` (the hole's box
   * grown by 2·RADIUS; 0 outside the hole). Near 0 where the fill is a coherent copy; as large as the
   * texture where the vote averaged patches that disagree (garble, or a blur of them).
   */
  onResidual?: (residual: Float32Array, box: { x0: number; y0: number; x1: number; y1: number }) => void;
  /**
   * Bound on copied regions (full-resolution px; absent = no bound, today's behaviour): a match whose
   * translation is the one the target this far away (left, right, above, below) already uses costs
   * REPEAT_COST, so one translation covers at most about this span and a large fill is not a pasted
   * fragment of the photo. Applied on levels where the span is still wider than a patch.
   */
  copySpan?: number;
  /**
   * Continue regular textures in step (object removal; absent = off, and nothing else changes): the
   * translation under which the ring next to each target repeats itself (ring-offsets.ts) is tried for
   * it at every level, by the nearest whole multiple whose source is known, and a copy by a multiple of
   * it costs PERIOD_DISCOUNT of its patch distance. Sides that do not repeat get none.
   */
  ringPeriods?: boolean;
  /**
   * Called once at the end (with ringPeriods) over the same box as onResidual: 1 where a hole pixel's
   * match is a whole multiple of its side's period, 0.5 where it has a period but its match is not in
   * step with it, 0 where it has none. Not called when no side repeats.
   */
  onAligned?: (aligned: Float32Array, box: { x0: number; y0: number; x1: number; y1: number }) => void;
  /**
   * A regular texture's repeat lattice (full-resolution px, lattice.ts; absent = any offset, today's
   * behaviour): every match's translation is snapped to a whole number of lattice steps, so copies keep
   * courses and rows aligned with the known texture. Applied on levels where both steps span at least
   * LATTICE_MIN_STEP pixels.
   */
  lattice?: Lattice;
  /** Diagnostics: called with each level's result (not available through the worker pool). */
  onLevel?: (img: Float32Array, w: number, h: number, level: number) => void;
}

const RADIUS = 3; // 7x7 patches
/** The coarsest level's shorter side is at least this many pixels (deepPyramid: the lower one). */
const MIN_LEVEL_SIDE = 16 * RADIUS;
const MIN_LEVEL_SIDE_DEEP = 6 * RADIUS;
const SUBJECT_COST = (2 * RADIUS + 1) ** 2 * 3 * 20 ** 2;
/** A source that belongs nowhere near the hole costs as much as a subject patch. */
const BELONGING_COST = SUBJECT_COST;
/**
 * What continuing a copy past `copySpan` costs: a 20-level colour error over the whole patch, as much as
 * a subject patch (12 levels left copies of 25–30 px on grass at 512 px with an 18-px span). A smooth
 * area has many sources as good and switches freely; a texture switches to a shifted copy of itself.
 */
const REPEAT_COST = (2 * RADIUS + 1) ** 2 * 3 * 20 ** 2;
/** A lattice step shorter than this (level px) no longer constrains a level's matches. */
const LATTICE_MIN_STEP = 3;
/** The belonging statistics are computed on the finest pyramid level at most this large. */
const BELONGING_PIXELS = 300_000;


interface Level {
  w: number;
  h: number;
  /**
   * RGB of the known pixels: what source patches read (their hole entries are never read). At the
   * finest level these are the caller's bytes, not a float copy of the whole crop (issue 14).
   */
  img: Float32Array | Uint8Array;
  hole: Uint8Array;
  avoid?: Uint8Array;
  /** The box of every pixel a target patch reads (the hole's box grown by 2·RADIUS)... */
  box: Window;
  /** ...and its RGB: known pixels copied from img, hole pixels as filled so far. */
  fill: Float32Array;
}

function makeLevel(w: number, h: number, img: Float32Array | Uint8Array, hole: Uint8Array, avoid?: Uint8Array): Level {
  const hb = holeBox(hole, w, h);
  const box = { x0: Math.max(0, hb.x0 - 2 * RADIUS), y0: Math.max(0, hb.y0 - 2 * RADIUS), x1: Math.min(w, hb.x1 + 2 * RADIUS), y1: Math.min(h, hb.y1 + 2 * RADIUS) };
  const bw = Math.max(0, box.x1 - box.x0), bh = Math.max(0, box.y1 - box.y0);
  const fill = new Float32Array(bw * bh * 3);
  for (let y = 0; y < bh; y++) fill.set(img.subarray(3 * ((y + box.y0) * w + box.x0), 3 * ((y + box.y0) * w + box.x1)), 3 * y * bw);
  return { w, h, img, hole, avoid, box, fill };
}

/** Index in `l.fill` of level pixel (x, y), which must lie in `l.box`. */
function fillIndex(l: Level, x: number, y: number): number {
  return 3 * ((y - l.box.y0) * (l.box.x1 - l.box.x0) + x - l.box.x0);
}

/** Red of level pixel (x, y) as the fill stands (green, blue follow): from the box, else a known pixel. */
function readPixel(l: Level, x: number, y: number, out: Float32Array): void {
  const b = l.box;
  if (x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1) {
    const i = fillIndex(l, x, y);
    out[0] = l.fill[i]; out[1] = l.fill[i + 1]; out[2] = l.fill[i + 2];
  } else {
    const i = 3 * (y * l.w + x);
    out[0] = l.img[i]; out[1] = l.img[i + 1]; out[2] = l.img[i + 2];
  }
}

/** The level's whole RGB as the fill stands (diagnostics, and the push-pull seed). */
function levelImage(l: Level): Float32Array {
  const full = Float32Array.from(l.img);
  const bw = l.box.x1 - l.box.x0;
  for (let y = l.box.y0; y < l.box.y1; y++) full.set(l.fill.subarray(3 * (y - l.box.y0) * bw, 3 * (y - l.box.y0 + 1) * bw), 3 * (y * l.w + l.box.x0));
  return full;
}

/** Seeds the hole with the smooth push-pull membrane of the known pixels. */
function seedMembrane(l: Level): void {
  const known = l.hole.map((v) => (v ? 0 : 1));
  const seeded = pushPull(levelImage(l), known, l.w, l.h, 3);
  const bw = l.box.x1 - l.box.x0;
  for (let y = l.box.y0; y < l.box.y1; y++) l.fill.set(seeded.subarray(3 * (y * l.w + l.box.x0), 3 * (y * l.w + l.box.x1)), 3 * (y - l.box.y0) * bw);
}

/** Halves a level; known pixels average only known children so hole colours never leak outward. */
function downsample(l: Level): Level {
  const w = Math.max(1, l.w >> 1);
  const h = Math.max(1, l.h >> 1);
  const img = new Float32Array(w * h * 3);
  const hole = new Uint8Array(w * h);
  const avoid = l.avoid ? new Uint8Array(w * h) : undefined;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0, n = 0, anyHole = 0, anyAvoid = 0;
      for (let dy = 0; dy < 2; dy++) {
        const yy = Math.min(l.h - 1, 2 * y + dy);
        for (let dx = 0; dx < 2; dx++) {
          const xx = Math.min(l.w - 1, 2 * x + dx);
          const i = yy * l.w + xx;
          if (l.avoid?.[i]) anyAvoid = 1;
          if (l.hole[i]) { anyHole = 1; continue; }
          r += l.img[3 * i]; g += l.img[3 * i + 1]; b += l.img[3 * i + 2]; n++;
        }
      }
      const o = y * w + x;
      hole[o] = anyHole;
      if (avoid) avoid[o] = anyAvoid && !anyHole ? 1 : 0;
      if (n > 0) { img[3 * o] = r / n; img[3 * o + 1] = g / n; img[3 * o + 2] = b / n; }
    }
  }
  return makeLevel(w, h, img, hole, avoid);
}

/**
 * Smooth membrane fill of the unknown pixels of `values` (push-pull): averages known values down a
 * pyramid and interpolates back up. Used to seed the coarsest level and to spread boundary errors.
 */
export function pushPull(values: Float32Array, known: Uint8Array, w: number, h: number, ch: number): Float32Array {
  if (w <= 1 && h <= 1) return values;
  const cw = Math.max(1, (w + 1) >> 1);
  const chh = Math.max(1, (h + 1) >> 1);
  const cv = new Float32Array(cw * chh * ch);
  const ck = new Uint8Array(cw * chh);
  for (let y = 0; y < chh; y++) {
    for (let x = 0; x < cw; x++) {
      let n = 0;
      const acc = new Float64Array(ch);
      for (let dy = 0; dy < 2; dy++) {
        const yy = 2 * y + dy;
        if (yy >= h) continue;
        for (let dx = 0; dx < 2; dx++) {
          const xx = 2 * x + dx;
          if (xx >= w) continue;
          const i = yy * w + xx;
          if (!known[i]) continue;
          for (let c = 0; c < ch; c++) acc[c] += values[i * ch + c];
          n++;
        }
      }
      const o = y * cw + x;
      if (n > 0) {
        ck[o] = 1;
        for (let c = 0; c < ch; c++) cv[o * ch + c] = acc[c] / n;
      }
    }
  }
  let anyKnown = false;
  for (let i = 0; i < ck.length; i++) if (ck[i]) { anyKnown = true; break; }
  if (!anyKnown) return values;
  const filled = cw * chh < w * h ? pushPull(cv, ck, cw, chh, ch) : cv;
  const out = new Float32Array(values);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (known[i]) continue;
      sampleHalfScale(filled, cw, chh, ch, x, y, out, i * ch);
    }
  }
  return out;
}

/**
 * Bilinear sample of a half-resolution level (cw × chh, ch channels) at full-resolution pixel (x, y)'s
 * centre, written to out[o..o+ch).
 */
export function sampleHalfScale(coarse: Float32Array, cw: number, chh: number, ch: number, x: number, y: number, out: Float32Array, o: number): void {
  const fx = Math.min(cw - 1, Math.max(0, (x - 0.5) / 2));
  const fy = Math.min(chh - 1, Math.max(0, (y - 0.5) / 2));
  const x0 = Math.floor(fx), y0 = Math.floor(fy);
  const x1 = Math.min(cw - 1, x0 + 1), y1 = Math.min(chh - 1, y0 + 1);
  const ax = fx - x0, ay = fy - y0;
  for (let c = 0; c < ch; c++) {
    const v00 = coarse[(y0 * cw + x0) * ch + c], v10 = coarse[(y0 * cw + x1) * ch + c];
    const v01 = coarse[(y1 * cw + x0) * ch + c], v11 = coarse[(y1 * cw + x1) * ch + c];
    out[o + c] = (v00 * (1 - ax) + v10 * ax) * (1 - ay) + (v01 * (1 - ax) + v11 * ax) * ay;
  }
}

/** Chessboard distance of every hole pixel to the nearest known pixel (two-pass). */
export function holeDistance(hole: Uint8Array, w: number, h: number): Uint16Array {
  const d = new Uint16Array(w * h);
  const BIG = 65000;
  for (let i = 0; i < d.length; i++) d[i] = hole[i] ? BIG : 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!d[i]) continue;
      let m = d[i];
      if (x > 0) m = Math.min(m, d[i - 1] + 1);
      if (y > 0) {
        m = Math.min(m, d[i - w] + 1);
        if (x > 0) m = Math.min(m, d[i - w - 1] + 1);
        if (x < w - 1) m = Math.min(m, d[i - w + 1] + 1);
      }
      d[i] = m;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!d[i]) continue;
      let m = d[i];
      if (x < w - 1) m = Math.min(m, d[i + 1] + 1);
      if (y < h - 1) {
        m = Math.min(m, d[i + w] + 1);
        if (x < w - 1) m = Math.min(m, d[i + w + 1] + 1);
        if (x > 0) m = Math.min(m, d[i + w - 1] + 1);
      }
      d[i] = m;
    }
  }
  return d;
}

interface Sources {
  /** Every valid source centre. */
  ok: Uint8Array;
  /** How many there are, and how many lie in the rows above each row (h + 1 entries). */
  count: number;
  rowStart: Int32Array;
  /** 1 where the source patch touches the subject (absent without a subject). */
  subject?: Uint8Array;
}

/**
 * 1 where the (2·RADIUS+1)² patch centred on the pixel lies inside the image and holds no marked pixel
 * (a separable running count over rows, then columns: one byte per pixel of scratch).
 */
function patchFree(mask: Uint8Array, w: number, h: number): Uint8Array {
  const rows = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let n = 0;
    for (let x = 0; x < Math.min(w, 2 * RADIUS); x++) n += mask[o + x] ? 1 : 0;
    for (let x = RADIUS; x < w - RADIUS; x++) {
      n += mask[o + x + RADIUS] ? 1 : 0;
      rows[o + x] = n ? 1 : 0;
      n -= mask[o + x - RADIUS] ? 1 : 0;
    }
  }
  const free = new Uint8Array(w * h);
  const n = new Uint8Array(w);
  for (let y = 0; y < Math.min(h, 2 * RADIUS); y++) for (let x = 0; x < w; x++) n[x] += rows[y * w + x];
  for (let y = RADIUS; y < h - RADIUS; y++) {
    const add = (y + RADIUS) * w, sub = (y - RADIUS) * w, o = y * w;
    for (let x = RADIUS; x < w - RADIUS; x++) {
      n[x] += rows[add + x];
      free[o + x] = n[x] ? 0 : 1;
      n[x] -= rows[sub + x];
    }
  }
  return free;
}

/** Source patch centres: the whole patch inside the image and free of hole pixels. */
function sourceCentres(l: Level): Sources {
  const { w, h } = l;
  const ok = patchFree(l.hole, w, h);
  // Row counts instead of a list of every centre (4 bytes a pixel on a large crop): see nthSource.
  const rowStart = new Int32Array(h + 1);
  for (let y = 0; y < h; y++) {
    let n = 0;
    for (let x = 0; x < w; x++) n += ok[y * w + x];
    rowStart[y + 1] = rowStart[y] + n;
  }
  const count = rowStart[h];
  let subject: Uint8Array | undefined;
  if (l.avoid) {
    subject = patchFree(l.avoid, w, h);
    for (let i = 0; i < subject.length; i++) subject[i] = ok[i] && !subject[i] ? 1 : 0;
  }
  return { ok, count, rowStart, subject };
}

/** The k-th source centre in raster order (0 <= k < count), as a level pixel index. */
function nthSource(src: Sources, w: number, k: number): number {
  const { rowStart } = src;
  let lo = 0, hi = rowStart.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rowStart[mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  let left = k - rowStart[lo];
  const o = lo * w;
  for (let x = 0; x < w; x++) {
    if (!src.ok[o + x]) continue;
    if (left-- === 0) return o + x;
  }
  throw new Error('nthSource: index out of range');
}

/** A uniformly random source centre. */
function randomSource(src: Sources, w: number, rand: () => number): number {
  return nthSource(src, w, Math.floor(rand() * src.count));
}

/** How many source patch centres a level has (sourceCentres without keeping them). */
function sourceCount(l: Level): number {
  const ok = patchFree(l.hole, l.w, l.h);
  let count = 0;
  for (let i = 0; i < ok.length; i++) count += ok[i];
  return count;
}

/** A box of level pixels: x0, y0 inclusive; x1, y1 exclusive. */
interface Window { x0: number; y0: number; x1: number; y1: number }

/** The box of the pixels within RADIUS of a hole pixel. */
function targetWindow(l: Level): Window {
  const hb = holeBox(l.hole, l.w, l.h);
  if (hb.x1 <= hb.x0) return hb;
  return { x0: Math.max(0, hb.x0 - RADIUS), y0: Math.max(0, hb.y0 - RADIUS), x1: Math.min(l.w, hb.x1 + RADIUS), y1: Math.min(l.h, hb.y1 + RADIUS) };
}

/** The hole's bounding box (empty at 0, 0 without a hole). */
function holeBox(hole: Uint8Array, w: number, h: number): Window {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      if (!hole[o + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  if (x1 < 0) return { x0: 0, y0: 0, x1: 0, y1: 0 };
  return { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** Patch centres whose patch touches the hole, in raster order: the pixels the NNF is defined for. */
function targetCentres(l: Level, win: Window): Int32Array {
  const { w, hole } = l;
  const ww = win.x1 - win.x0, wh = win.y1 - win.y0;
  // Marked in the window only: every target lies within RADIUS of a hole pixel.
  const mark = new Uint8Array(ww * wh);
  for (let y = win.y0; y < win.y1; y++) {
    for (let x = win.x0; x < win.x1; x++) {
      if (!hole[y * w + x]) continue;
      for (let dy = -RADIUS; dy <= RADIUS; dy++) {
        const yy = y + dy;
        if (yy < win.y0 || yy >= win.y1) continue;
        for (let dx = -RADIUS; dx <= RADIUS; dx++) {
          const xx = x + dx;
          if (xx >= win.x0 && xx < win.x1) mark[(yy - win.y0) * ww + xx - win.x0] = 1;
        }
      }
    }
  }
  let count = 0;
  for (let i = 0; i < mark.length; i++) count += mark[i];
  const list = new Int32Array(count);
  let k = 0;
  for (let y = 0; y < wh; y++) for (let x = 0; x < ww; x++) if (mark[y * ww + x]) list[k++] = (y + win.y0) * w + x + win.x0;
  return list;
}

const REPEAT_DIRECTIONS = [[1, 0], [-1, 0], [0, 1], [0, -1]] as const;
/** How many whole periods a target may reach across the hole for a known source (ringPeriods). */
const PERIOD_MULTIPLES = 24;
/**
 * A copy by a whole multiple of the target's period costs this share of its patch distance (the source
 * costs stay whole): the copy in step with the texture's rows wins over look-alikes up to 4× closer,
 * so the rows continue instead of each patch taking the nearest look-alike, which bends them or, deep
 * in a hole seeded smooth, picks a blank panel. Measured at 512 px (hole PSNR, brick rectangles /
 * ellipse, building rectangles): 0.5 → 19.38 / 20.50 / 14.08 dB, 0.25 → 21.29 / 20.79 / 14.38,
 * 0.1 → 21.49 / 21.18 / 14.50 (before: 19.04 / 18.51 / 12.95).
 */
const PERIOD_DISCOUNT = 0.25;
/** onAligned's mark for a hole pixel that has a period but whose match is not in step with it (1 when it is, 0 without a period). */
const OFF_PERIOD = 0.5;
/** Slack of "a whole multiple" per pixel of the multiple's length (perspective: the period drifts across a wall). */
const PERIOD_SLACK = 0.04;

/**
 * The nearest-neighbour field of one level. Its planes cover only the window around the hole (the
 * targets' bounding box), not the level: on a large photo with a compact hole that is a small part of
 * the crop (issue 14). Targets are level pixel indices; `at(x, y)` is a pixel's index in the window.
 */
class Field {
  readonly nx: Int32Array;
  readonly ny: Int32Array;
  readonly dist: Float32Array;
  /**
   * Cost per squared pixel of distance between a target and its source: copying from nearby is
   * preferred, so fills continue the surrounding background instead of pasting distant salient
   * objects (a face, an eye) into it. Crossing the whole level costs about a 10-level colour error.
   */
  readonly lambda: number;
  /** Per window pixel: 1 where a target lies close enough to the subject to copy subject patches. */
  readonly nearSubject: Uint8Array;
  /** Per window pixel: 1 for targets. */
  readonly targetMark: Uint8Array;
  readonly x0: number;
  readonly y0: number;
  readonly ww: number;
  readonly wh: number;
  /** The hole's greatest depth at this level (ringPeriods: how far a period's multiples may reach). */
  depth = 0;
  constructor(readonly l: Level, readonly src: Sources, readonly win: Window, readonly targets: Int32Array, reach: number, readonly level = 0, readonly belong?: Belonging, readonly copySpan = 0, readonly periods?: RingOffsets, readonly lattice?: Lattice) {
    this.x0 = win.x0; this.y0 = win.y0;
    this.ww = win.x1 - win.x0; this.wh = win.y1 - win.y0;
    const n = this.ww * this.wh;
    this.lambda = ((2 * RADIUS + 1) ** 2 * 3 * 100) / (l.w * l.w + l.h * l.h);
    this.nearSubject = new Uint8Array(n);
    if (!l.avoid) this.nearSubject.fill(1);
    else {
      const notSubject = new Uint8Array(l.w * l.h);
      for (let i = 0; i < notSubject.length; i++) notSubject[i] = l.avoid[i] ? 0 : 1;
      const d = holeDistance(notSubject, l.w, l.h);
      for (let y = 0; y < this.wh; y++) for (let x = 0; x < this.ww; x++) this.nearSubject[y * this.ww + x] = d[(y + this.y0) * l.w + x + this.x0] <= reach ? 1 : 0;
    }
    this.targetMark = new Uint8Array(n);
    for (const t of targets) this.targetMark[this.atPixel(t)] = 1;
    this.nx = new Int32Array(n);
    this.ny = new Int32Array(n);
    this.dist = new Float32Array(n).fill(Infinity);
  }

  /** Window index of level pixel (x, y), or -1 outside the window. */
  at(x: number, y: number): number {
    const wx = x - this.x0, wy = y - this.y0;
    return wx < 0 || wy < 0 || wx >= this.ww || wy >= this.wh ? -1 : wy * this.ww + wx;
  }

  /** Window index of a level pixel index inside the window. */
  atPixel(t: number): number {
    const x = t % this.l.w;
    return ((t - x) / this.l.w - this.y0) * this.ww + x - this.x0;
  }

  /** 1 when level pixel (x, y) is a target. */
  isTarget(x: number, y: number): boolean {
    const k = this.at(x, y);
    return k >= 0 && this.targetMark[k] === 1;
  }

  /**
   * What a source costs besides its colour distance. Far from the subject, copying a subject patch costs as much as a typical 20-level colour error
   * over the whole patch: background margins prefer background, yet a scene that is all "subject"
   * (a texture, a table of fruit) still fills from it rather than from thin slivers. A source that
   * belongs nowhere near the hole (source-belonging.ts) costs as much.
   */
  sourceCost(k: number, s: number): number {
    const subject = this.nearSubject[k] || !this.src.subject?.[s] ? 0 : SUBJECT_COST;
    const repeat = this.copySpan ? this.repeatCost(k, s) : 0;
    if (!this.belong) return subject + repeat;
    const x = s % this.l.w;
    return subject + repeat + BELONGING_COST * belongingAt(this.belong, this.level, x, (s - x) / this.l.w);
  }

  /** REPEAT_COST for each target `copySpan` away (4 directions) whose match uses the same translation (±1 px). */
  repeatCost(k: number, s: number): number {
    const L = this.copySpan;
    const tx = (k % this.ww) + this.x0, ty = Math.floor(k / this.ww) + this.y0;
    const sx = s % this.l.w, sy = (s - sx) / this.l.w;
    const ox = sx - tx, oy = sy - ty;
    let cost = 0;
    for (const [dx, dy] of REPEAT_DIRECTIONS) {
      const k2 = this.at(tx + dx * L, ty + dy * L);
      if (k2 < 0 || !this.targetMark[k2]) continue;
      if (Math.abs(this.nx[k2] - (tx + dx * L) - ox) <= 1 && Math.abs(this.ny[k2] - (ty + dy * L) - oy) <= 1) cost += REPEAT_COST;
    }
    return cost;
  }

  /** Sum of squared RGB differences; stops once it exceeds `limit`. Target pixels off-image are skipped. */
  distance(tx: number, ty: number, sx: number, sy: number, limit: number): number {
    const { w, h, img, fill, box } = this.l;
    const bw = box.x1 - box.x0;
    let d = this.lambda * ((tx - sx) ** 2 + (ty - sy) ** 2);
    for (let dy = -RADIUS; dy <= RADIUS; dy++) {
      const ty2 = ty + dy;
      if (ty2 < 0 || ty2 >= h) continue;
      // The target patch lies in the box (targets are within RADIUS of the hole); sources are known.
      const trow = (ty2 - box.y0) * bw - box.x0;
      const srow = (sy + dy) * w;
      for (let dx = -RADIUS; dx <= RADIUS; dx++) {
        const tx2 = tx + dx;
        if (tx2 < 0 || tx2 >= w) continue;
        const ti = 3 * (trow + tx2);
        const si = 3 * (srow + sx + dx);
        const a = fill[ti] - img[si], b = fill[ti + 1] - img[si + 1], c = fill[ti + 2] - img[si + 2];
        d += a * a + b * b + c * c;
      }
      if (d > limit) return d;
    }
    return d;
  }

  /** Source (sx, sy) moved to the nearest whole number of lattice steps from target (tx, ty). */
  snap(tx: number, ty: number, sx: number, sy: number): [number, number] {
    const [ox, oy] = nearestLatticePoint(this.lattice!, sx - tx, sy - ty);
    return [Math.round(tx + ox), Math.round(ty + oy)];
  }

  /** Tries source (sx, sy) for the target at window index k, level pixel (tx, ty). */
  tryCandidate(k: number, tx: number, ty: number, sx: number, sy: number): void {
    const { w } = this.l;
    if (this.lattice) [sx, sy] = this.snap(tx, ty, sx, sy);
    if (sx < 0 || sy < 0 || sx >= w || sy >= this.l.h) return;
    const s = sy * w + sx;
    if (!this.src.ok[s]) return;
    if (sx === this.nx[k] && sy === this.ny[k]) return;
    const periodic = this.periods ? this.isPeriodic(tx, ty, sx, sy) : false;
    const d = periodic ? this.distance(tx, ty, sx, sy, this.dist[k] / PERIOD_DISCOUNT) * PERIOD_DISCOUNT + this.sourceCost(k, s) : this.distance(tx, ty, sx, sy, this.dist[k]) + this.sourceCost(k, s);
    if (d < this.dist[k]) {
      this.dist[k] = d;
      this.nx[k] = sx;
      this.ny[k] = sy;
    }
  }

  randomInit(rand: () => number): void {
    const { w } = this.l;
    for (const t of this.targets) {
      const k = this.atPixel(t);
      let s = randomSource(this.src, w, rand);
      if (this.lattice) s = this.snappedSource(t % w, Math.floor(t / w), s, rand);
      this.nx[k] = s % w;
      this.ny[k] = Math.floor(s / w);
      this.dist[k] = this.score(k, t % w, Math.floor(t / w), s);
    }
  }

  /** Source `s` snapped to the lattice from target (tx, ty); random sources tried while the snap is no source. */
  snappedSource(tx: number, ty: number, s: number, rand: () => number): number {
    const { w, h } = this.l;
    for (let tries = 0; tries < 8; tries++) {
      const [sx, sy] = this.snap(tx, ty, s % w, Math.floor(s / w));
      if (sx >= 0 && sy >= 0 && sx < w && sy < h && this.src.ok[sy * w + sx]) return sy * w + sx;
      s = randomSource(this.src, w, rand);
    }
    return s;
  }

  /** Upsamples a coarser field: each fine target inherits its parent's match, offset by its sub-pixel. */
  inherit(coarse: Field, rand: () => number): void {
    const { w, h } = this.l;
    const { ok } = this.src;
    for (const t of this.targets) {
      const x = t % w, y = Math.floor(t / w);
      const cx = Math.min(coarse.l.w - 1, x >> 1), cy = Math.min(coarse.l.h - 1, y >> 1);
      const ck = coarse.at(cx, cy);
      let sx: number, sy: number;
      if (ck >= 0 && coarse.targetMark[ck]) {
        sx = Math.min(w - 1, coarse.nx[ck] * 2 + (x & 1));
        sy = Math.min(h - 1, coarse.ny[ck] * 2 + (y & 1));
      } else {
        // Parent was not a target: its own position is a natural known match.
        sx = x; sy = y;
      }
      if (this.lattice) {
        const s = this.snappedSource(x, y, Math.min(h - 1, Math.max(0, sy)) * w + Math.min(w - 1, Math.max(0, sx)), rand);
        sx = s % w; sy = Math.floor(s / w);
      }
      if (!ok[sy * w + sx]) {
        const s = randomSource(this.src, w, rand);
        sx = s % w; sy = Math.floor(s / w);
      }
      const k = this.atPixel(t);
      this.nx[k] = sx; this.ny[k] = sy;
      this.dist[k] = Infinity;
    }
  }

  rescore(): void {
    const { w } = this.l;
    for (const t of this.targets) {
      const k = this.atPixel(t);
      this.dist[k] = this.score(k, t % w, Math.floor(t / w), this.ny[k] * w + this.nx[k]);
    }
  }

  /** The full cost of the target's current match (source pixel s): distance and source cost, discounted when it copies the target's period. */
  score(k: number, tx: number, ty: number, s: number): number {
    const sx = s % this.l.w, sy = (s - sx) / this.l.w;
    const d = this.distance(tx, ty, sx, sy, Infinity);
    return (this.periods && this.isPeriodic(tx, ty, sx, sy) ? d * PERIOD_DISCOUNT : d) + this.sourceCost(k, s);
  }

  /** One PatchMatch pass: propagation from already-visited neighbours, then random search. */
  pass(reverse: boolean, rand: () => number, maxRadius: number): void {
    const { w } = this.l;
    const targets = this.targets;
    const n = targets.length;
    const step = reverse ? -1 : 1;
    for (let i = reverse ? n - 1 : 0; reverse ? i >= 0 : i < n; i += step) {
      const t = targets[i];
      const x = t % w, y = Math.floor(t / w);
      const k = this.atPixel(t);
      const qx = this.at(x - step, y);
      if (qx >= 0 && this.targetMark[qx]) this.tryCandidate(k, x, y, this.nx[qx] + step, this.ny[qx]);
      const qy = this.at(x, y - step);
      if (qy >= 0 && this.targetMark[qy]) this.tryCandidate(k, x, y, this.nx[qy], this.ny[qy] + step);
      for (let r = maxRadius; r >= 1; r >>= 1) {
        const sx = Math.round(this.nx[k] + (rand() * 2 - 1) * r);
        const sy = Math.round(this.ny[k] + (rand() * 2 - 1) * r);
        this.tryCandidate(k, x, y, sx, sy);
      }
      if (this.periods) this.tryPeriods(k, x, y);
    }
  }

  /** The period that applies at level pixel (x, y), in this level's pixels (not rounded), or undefined. */
  periodAt(x: number, y: number): [number, number] | undefined {
    const o = this.periods;
    if (!o) return undefined;
    const d = this.level - o.shift;
    const [dx, dy] = periodAt(o, x * 2 ** d, y * 2 ** d);
    return [dx * 2 ** -d, dy * 2 ** -d];
  }

  /** Tries, for the target's period and both its signs, the nearest whole multiple whose source is known. */
  tryPeriods(k: number, x: number, y: number): void {
    const period = this.periodAt(x, y);
    if (!period) return;
    const [dx, dy] = period;
    if (dx * dx + dy * dy < 4) return;
    const { w, h } = this.l;
    // Sources no farther than the hole is deep (twice, plus a period): far multiples drift off the rows
    // in perspective, and a straight line of them can leave the texture altogether (a dome behind a wall).
    const reach = 2 * this.depth + Math.sqrt(dx * dx + dy * dy);
    for (const sign of [1, -1]) {
      for (let m = 1; m <= PERIOD_MULTIPLES && m * m * (dx * dx + dy * dy) <= reach * reach; m++) {
        const sx = Math.round(x + sign * m * dx), sy = Math.round(y + sign * m * dy);
        if (sx < 0 || sy < 0 || sx >= w || sy >= h) break;
        if (!this.src.ok[sy * w + sx]) continue;
        this.tryCandidate(k, x, y, sx, sy);
        break;
      }
    }
  }

  /** Whether copying from (sx, sy) to the target at (tx, ty) moves by a whole multiple of its period (within PERIOD_SLACK). */
  isPeriodic(tx: number, ty: number, sx: number, sy: number): boolean {
    const period = this.periodAt(tx, ty);
    if (!period) return false;
    const [dx, dy] = period;
    const len2 = dx * dx + dy * dy;
    if (len2 < 4) return false;
    const ox = sx - tx, oy = sy - ty;
    const m = Math.round((ox * dx + oy * dy) / len2);
    const slack = 1 + PERIOD_SLACK * Math.abs(m) * Math.sqrt(len2);
    return m !== 0 && Math.abs(ox - m * dx) <= slack && Math.abs(oy - m * dy) <= slack;
  }

  /** See InpaintInput.onAligned: per pixel of the level's box, 1 where the target's match is a multiple of its period. */
  aligned(): Float32Array {
    const { w, box } = this.l;
    const bw = box.x1 - box.x0;
    const out = new Float32Array(bw * (box.y1 - box.y0));
    for (const t of this.targets) {
      if (!this.l.hole[t]) continue;
      const x = t % w, y = (t - x) / w;
      const k = this.atPixel(t);
      const period = this.periodAt(x, y);
      if (!period || period[0] * period[0] + period[1] * period[1] < 4) continue;
      out[(y - box.y0) * bw + x - box.x0] = this.isPeriodic(x, y, this.nx[k], this.ny[k]) ? 1 : OFF_PERIOD;
    }
    return out;
  }

  private acc?: Float32Array;

  /** See InpaintInput.onResidual: per pixel of the level's box, the RMS patch difference at its target. */
  residual(): Float32Array {
    const { w, box } = this.l;
    const bw = box.x1 - box.x0;
    const out = new Float32Array(bw * (box.y1 - box.y0));
    for (const t of this.targets) {
      const x = t % w, y = (t - x) / w;
      if (!this.l.hole[t]) continue;
      const k = this.atPixel(t);
      const sx = this.nx[k], sy = this.ny[k];
      const d = this.distance(x, y, sx, sy, Infinity) - this.lambda * ((x - sx) ** 2 + (y - sy) ** 2);
      out[(y - box.y0) * bw + x - box.x0] = Math.sqrt(Math.max(0, d) / (3 * (2 * RADIUS + 1) ** 2));
    }
    return out;
  }

  /** Rebuilds hole pixels as the similarity-weighted vote of every patch that covers them. */
  vote(quantile = 0.75): void {
    const { w, h, img, hole, fill } = this.l;
    const { x0, y0, ww, wh } = this;
    // Every hole pixel is a target, so the window holds them all. One accumulator for every vote.
    const acc = (this.acc ??= new Float32Array(ww * wh * 4));
    acc.fill(0);
    // Weights fall off with patch distance, scaled by a robust typical distance.
    const ds: number[] = [];
    for (let k = 0; k < this.targets.length; k += Math.max(1, Math.floor(this.targets.length / 2000))) ds.push(this.dist[this.atPixel(this.targets[k])]);
    ds.sort((a, b) => a - b);
    const sigma2 = Math.max(1, ds[Math.floor(ds.length * quantile)] ?? 1);
    for (const t of this.targets) {
      const x = t % w, y = Math.floor(t / w);
      const k = this.atPixel(t);
      const wt = Math.exp(-this.dist[k] / (2 * sigma2)) + 1e-6;
      const sx = this.nx[k], sy = this.ny[k];
      for (let dy = -RADIUS; dy <= RADIUS; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -RADIUS; dx <= RADIUS; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          if (!hole[yy * w + xx]) continue;
          const a = 4 * ((yy - y0) * ww + xx - x0);
          const s = 3 * ((sy + dy) * w + sx + dx);
          acc[a] += wt * img[s];
          acc[a + 1] += wt * img[s + 1];
          acc[a + 2] += wt * img[s + 2];
          acc[a + 3] += wt;
        }
      }
    }
    for (let y = 0; y < wh; y++) {
      for (let x = 0; x < ww; x++) {
        const a = 4 * (y * ww + x), p = (y + y0) * w + x + x0;
        if (!hole[p] || acc[a + 3] === 0) continue;
        const inv = 1 / acc[a + 3];
        const f = fillIndex(this.l, x + x0, y + y0);
        fill[f] = acc[a] * inv;
        fill[f + 1] = acc[a + 1] * inv;
        fill[f + 2] = acc[a + 2] * inv;
      }
    }
  }
}

function maxHoleDistance(hole: Uint8Array, w: number, h: number): number {
  const dist = holeDistance(hole, w, h);
  let maxD = 0;
  for (let i = 0; i < dist.length; i++) if (dist[i] > maxD) maxD = dist[i];
  return maxD;
}

/** Fills the hole pixels of `input.rgb` and returns a new RGB buffer (known pixels untouched). */
export function inpaintPatchMatch(input: InpaintInput): Uint8Array {
  const { width: w0, height: h0 } = input;
  const rand = xorshift32(input.seed ?? 12345);
  const cap = input.searchPixelCap ?? 1_500_000;
  // The caller's mask as it is when it is already 0/1 (it is only read): no crop-sized copy.
  let binary = true;
  for (let i = 0; i < input.hole.length && binary; i++) binary = input.hole[i] <= 1;
  const hole = binary ? input.hole : input.hole.map((v) => (v ? 1 : 0));
  let holeCount = 0;
  for (let i = 0; i < hole.length; i++) holeCount += hole[i];
  if (holeCount === 0) return input.inPlace ? input.rgb : Uint8Array.from(input.rgb);
  const base = makeLevel(w0, h0, input.rgb, hole, input.avoid?.map((v, i) => (v && !hole[i] ? 1 : 0)));

  // Coarsest level: the hole is ~2 px deep (less than a patch), and enough known texture remains to
  // copy from — or the level floor is reached (see deepPyramid).
  const minSide = input.deepPyramid ? MIN_LEVEL_SIDE_DEEP : MIN_LEVEL_SIDE;
  const maxD = maxHoleDistance(base.hole, w0, h0);
  const levels: Level[] = [base];
  while (true) {
    const top = levels[levels.length - 1];
    const scale = 2 ** levels.length;
    if (maxD / scale < 2 || Math.min(top.w, top.h) / 2 < minSide) break;
    const next = downsample(top);
    if (sourceCount(next) < 64) break;
    levels.push(next);
  }

  let belong: Belonging | undefined;
  if (input.belonging) {
    let k = 0;
    while (k < levels.length - 1 && levels[k].w * levels[k].h > BELONGING_PIXELS) k++;
    belong = belongingMap(levels[k].img, levels[k].hole, levels[k].w, levels[k].h, k);
  }
  let periods: RingOffsets | undefined;
  if (input.ringPeriods) {
    let k = 0;
    while (k < levels.length - 1 && levels[k].w * levels[k].h > BELONGING_PIXELS) k++;
    const l = levels[k];
    const known = l.hole.map((v) => (v ? 0 : 1));
    periods = ringOffsets(l.img, l.hole, holeDistance(known, l.w, l.h), l.w, l.h, k);
  }

  let prev: Field | undefined;
  const coarsest = levels.length - 1;
  for (let li = coarsest; li >= 0; li--) {
    const l = levels[li];
    const src = sourceCentres(l);
    if (src.count === 0) {
      // Nothing whole to copy from (a tiny image): a smooth membrane is the best available fill.
      seedMembrane(l);
      prev = undefined;
      continue;
    }
    const reach = Math.max(RADIUS + 1, Math.ceil((input.subjectReach ?? 0) / 2 ** li));
    const win = targetWindow(l);
    // The copy bound where it spans more than a patch at this level (coarser layouts copy freely).
    const span = input.copySpan ? Math.round(input.copySpan / 2 ** li) : 0;
    // The lattice where both its steps are resolved at this level (coarser layouts match freely).
    const f = 2 ** li, lat = input.lattice;
    const lattice = lat && Math.min(Math.hypot(lat.ax, lat.ay), Math.hypot(lat.bx, lat.by)) / f >= LATTICE_MIN_STEP
      ? { ...lat, ax: lat.ax / f, ay: lat.ay / f, bx: lat.bx / f, by: lat.by / f } : undefined;
    const field = new Field(l, src, win, targetCentres(l, win), reach, li, belong, span > 2 * RADIUS + 1 ? span : 0, periods, lattice);
    if (periods) field.depth = maxD / 2 ** li;
    if (!prev) {
      seedMembrane(l);
      field.randomInit(rand);
    } else {
      field.inherit(prev, rand);
      // Seed hole pixels from the coarser solution, then let the inherited field re-vote them.
      const c = prev.l;
      const px = new Float32Array(3);
      for (let y = l.box.y0; y < l.box.y1; y++) {
        for (let x = l.box.x0; x < l.box.x1; x++) {
          if (!l.hole[y * l.w + x]) continue;
          readPixel(c, Math.min(c.w - 1, x >> 1), Math.min(c.h - 1, y >> 1), px);
          const f = fillIndex(l, x, y);
          l.fill[f] = px[0]; l.fill[f + 1] = px[1]; l.fill[f + 2] = px[2];
        }
      }
      // The coarser level is done with: drop it before this level's search allocates.
      prev = undefined;
      levels.length = li + 1;
      field.rescore();
      field.vote();
    }
    const pixels = l.w * l.h;
    const coarse = li === coarsest;
    const emIters = pixels > cap ? 0 : coarse ? 6 : li === 0 ? 2 : 3;
    const maxRadius = Math.max(l.w, l.h);
    for (let it = 0; it < emIters; it++) {
      field.rescore();
      const passes = coarse ? 3 : 2;
      for (let p = 0; p < passes; p++) field.pass(p % 2 === 1, rand, maxRadius);
      // A tighter weighting on the final vote keeps texture instead of averaging it away.
      field.vote(li === 0 && it === emIters - 1 ? 0.1 : 0.75);
    }
    if (emIters === 0) {
      // Too large to search: one local refinement around the inherited matches keeps full-resolution texture.
      field.rescore();
      field.pass(false, rand, 4);
      field.vote(li === 0 ? 0.1 : 0.75);
    }
    prev = field;
    input.onLevel?.(levelImage(l), l.w, l.h, li);
  }

  if (input.onResidual && prev) input.onResidual(prev.residual(), base.box);
  if (input.onAligned && prev && periods) input.onAligned(prev.aligned(), base.box);

  // Known pixels come back bit-exact.
  const out = input.inPlace ? input.rgb : Uint8Array.from(input.rgb);
  for (let y = base.box.y0; y < base.box.y1; y++) {
    for (let x = base.box.x0; x < base.box.x1; x++) {
      const p = y * w0 + x;
      if (!base.hole[p]) continue;
      const f = fillIndex(base, x, y);
      for (let c = 0; c < 3; c++) out[3 * p + c] = Math.max(0, Math.min(255, Math.round(base.fill[f + c])));
    }
  }
  return out;
}
