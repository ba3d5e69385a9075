/**
 * The repeat lattice of a regular texture (brick courses, tiles, window rows): two translations a, b
 * under which the input looks like itself. An exemplar fill that copies with arbitrary offsets
 * continues whichever lines run toward the margin (brick's long mortar lines) and drops the rest
 * (its courses stop at the input: streaks); one that copies only by whole lattice steps keeps every
 * line aligned, as the wall itself does.
 *
 * Found from the normalised autocorrelation of the input's x-edges and y-edges (the weaker of the two)
 * at a working size of ≤ WORK_SIDE px: the two shortest independent offsets where it peaks above
 * MIN_PEAK, each an
 * isolated peak (half-way to it the correlation falls by MIN_DIP: a line texture or a gradient has
 * ridges, not peaks) and confirmed by their sum or difference. Anything less certain returns
 * undefined: a photo that is not a regular texture is filled as before. None of the bench's photos
 * has one (brick.png's wall is in perspective with bricks of varying length: its peaks are 0.2–0.4
 * and inconsistent); made walls and tiles do.
 */
import { boxBlur } from '../box-blur.js';
import type { Rect } from './border-blend.js';

export interface Lattice {
  /** The two lattice vectors, full-resolution px (b not collinear with a). */
  ax: number; ay: number; bx: number; by: number;
  /** The weakest of the correlations that confirmed it (0..1). */
  confidence: number;
}

const WORK_SIDE = 128;
/** Correlation a lattice step must reach, and how much lower it must be half-way there. */
const MIN_PEAK = 0.5;
const MIN_DIP = 0.25;
/** A period shorter than this (working px) is fine texture PatchMatch continues anyway. */
const MIN_PERIOD = 4;

/** The input's luma at ≤ WORK_SIDE px (area mean), its slow shading removed. */
function workingDetail(rgb: Uint8Array, w: number, rect: Rect): { v: Float32Array; ww: number; wh: number; scale: number } {
  const scale = Math.max(1, Math.ceil(Math.max(rect.width, rect.height) / WORK_SIDE));
  const ww = Math.floor(rect.width / scale), wh = Math.floor(rect.height / scale);
  const v = new Float32Array(ww * wh);
  for (let y = 0; y < wh; y++) for (let x = 0; x < ww; x++) {
    let s = 0;
    for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) {
      const i = 3 * ((rect.y + y * scale + dy) * w + rect.x + x * scale + dx);
      s += 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
    }
    v[y * ww + x] = s / (scale * scale);
  }
  const slow = boxBlur(v, ww, wh, 1, Math.max(4, Math.round(Math.min(ww, wh) / 6)));
  for (let i = 0; i < v.length; i++) v[i] -= slow[i];
  return { v, ww, wh, scale };
}

/** Normalised correlation of v with itself shifted by (dx, dy), over their overlap. */
function correlation(v: Float32Array, w: number, h: number, dx: number, dy: number): number {
  let sab = 0, saa = 0, sbb = 0;
  const x0 = Math.max(0, -dx), x1 = Math.min(w, w - dx), y0 = Math.max(0, -dy), y1 = Math.min(h, h - dy);
  for (let y = y0; y < y1; y++) {
    const ra = y * w, rb = (y + dy) * w + dx;
    for (let x = x0; x < x1; x++) {
      const a = v[ra + x], b = v[rb + x];
      sab += a * b; saa += a * a; sbb += b * b;
    }
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** The repeat lattice of the input at `rect` of the RGB canvas `rgb` (w wide), or undefined. */
export function detectLattice(rgb: Uint8Array, w: number, rect: Rect): Lattice | undefined {
  const { v, ww, wh, scale } = workingDetail(rgb, w, rect);
  // Edges across x and across y separately: a texture of long lines (brick's mortar running one way)
  // correlates with itself under any shift along them, and would bury the shorter joints that set
  // the true period. A lattice must hold for both.
  const gx = new Float32Array(ww * wh), gy = new Float32Array(ww * wh);
  for (let y = 1; y < wh - 1; y++) for (let x = 1; x < ww - 1; x++) {
    const i = y * ww + x;
    gx[i] = v[i + 1] - v[i - 1];
    gy[i] = v[i + ww] - v[i - ww];
  }
  // At least two periods of the lattice must fit the input each way.
  const mx = Math.floor(ww / 2), my = Math.floor(wh / 2);
  if (mx < 2 * MIN_PERIOD || my < 2 * MIN_PERIOD) return undefined;
  // Offsets (dx, dy) with dy ≥ 0 (the autocorrelation is symmetric); R stored on a (2mx+1) × (my+1) grid.
  const gw = 2 * mx + 1;
  const R = new Float32Array(gw * (my + 1)).fill(-1);
  const at = (dx: number, dy: number) => (Math.abs(dx) > mx || Math.abs(dy) > my ? -1 : dy < 0 ? R[-dy * gw + mx - dx] : R[dy * gw + dx + mx]);
  for (let dy = 0; dy <= my; dy++) for (let dx = -mx; dx <= mx; dx++) {
    if (dy === 0 && dx < 0) continue;
    R[dy * gw + dx + mx] = Math.min(correlation(gx, ww, wh, dx, dy), correlation(gy, ww, wh, dx, dy));
  }
  for (let dx = 1; dx <= mx; dx++) R[mx - dx] = R[mx + dx];
  const peaks: { dx: number; dy: number; r: number; len: number }[] = [];
  for (let dy = 0; dy <= my; dy++) for (let dx = -mx; dx <= mx; dx++) {
    if (dy === 0 && dx <= 0) continue;
    const r = at(dx, dy), len = Math.hypot(dx, dy);
    if (r < MIN_PEAK || len < MIN_PERIOD || Math.abs(dx) >= mx || dy >= my) continue;
    let isMax = true;
    for (let ey = -1; ey <= 1 && isMax; ey++) for (let ex = -1; ex <= 1; ex++) if ((ex || ey) && at(dx + ex, dy + ey) > r) { isMax = false; break; }
    if (!isMax) continue;
    // Isolated: half-way there the texture does not look like itself (a stripe's ridge does).
    if (at(Math.round(dx / 2), Math.round(dy / 2)) > r - MIN_DIP) continue;
    peaks.push({ dx, dy, r, len });
  }
  peaks.sort((p, q) => p.len - q.len);
  const a = peaks[0];
  if (!a) return undefined;
  const b = peaks.find((p) => Math.abs(a.dx * p.dy - a.dy * p.dx) > 0.5 * a.len * p.len);
  if (!b) return undefined;
  const sum = Math.max(at(a.dx + b.dx, a.dy + b.dy), at(a.dx - b.dx, a.dy - b.dy));
  if (!(sum >= MIN_PEAK - 0.1)) return undefined;
  return { ax: a.dx * scale, ay: a.dy * scale, bx: b.dx * scale, by: b.dy * scale, confidence: Math.min(a.r, b.r) };
}

/** The lattice point i·a + j·b nearest to (ox, oy). */
export function nearestLatticePoint(l: Lattice, ox: number, oy: number): [number, number] {
  const det = l.ax * l.by - l.ay * l.bx;
  const i = Math.round((ox * l.by - oy * l.bx) / det), j = Math.round((l.ax * oy - l.ay * ox) / det);
  return [i * l.ax + j * l.bx, i * l.ay + j * l.by];
}
