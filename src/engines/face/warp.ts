/** Piecewise-affine warp of one face onto another over a Delaunay triangulation of mesh points. */
import type { Point } from './raster.js';

export type Triangle = [number, number, number];

/** Bowyer–Watson Delaunay triangulation; returns index triples into `points`. O(n²), fine for a few hundred points. */
export function delaunay(points: readonly Point[]): Triangle[] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of points) {
    minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x); maxY = Math.max(maxY, y);
  }
  const d = Math.max(maxX - minX, maxY - minY, 1) * 20;
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const pts: Point[] = [...points, [cx - d, cy - d], [cx + d, cy - d], [cx, cy + d]];
  const n = points.length;
  interface Tri { v: Triangle; x: number; y: number; r2: number }
  const circum = (v: Triangle): Tri => {
    const [ax, ay] = pts[v[0]], [bx, by] = pts[v[1]], [qx, qy] = pts[v[2]];
    const D = 2 * (ax * (by - qy) + bx * (qy - ay) + qx * (ay - by));
    if (Math.abs(D) < 1e-12) return { v, x: 0, y: 0, r2: Infinity };
    const a2 = ax * ax + ay * ay, b2 = bx * bx + by * by, c2 = qx * qx + qy * qy;
    const x = (a2 * (by - qy) + b2 * (qy - ay) + c2 * (ay - by)) / D;
    const y = (a2 * (qx - bx) + b2 * (ax - qx) + c2 * (bx - ax)) / D;
    return { v, x, y, r2: (ax - x) ** 2 + (ay - y) ** 2 };
  };
  let tris: Tri[] = [circum([n, n + 1, n + 2])];
  for (let i = 0; i < n; i++) {
    const [px, py] = pts[i];
    const bad: Tri[] = [], keep: Tri[] = [];
    for (const t of tris) ((px - t.x) ** 2 + (py - t.y) ** 2 < t.r2 ? bad : keep).push(t);
    const edges = new Map<string, [number, number]>();
    for (const t of bad) {
      for (const [a, b] of [[t.v[0], t.v[1]], [t.v[1], t.v[2]], [t.v[2], t.v[0]]] as [number, number][]) {
        const key = a < b ? `${a},${b}` : `${b},${a}`;
        if (edges.has(key)) edges.delete(key);
        else edges.set(key, [a, b]);
      }
    }
    for (const [a, b] of edges.values()) keep.push(circum([a, b, i]));
    tris = keep;
  }
  return tris.filter((t) => t.v.every((k) => k < n)).map((t) => t.v);
}

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Renders `src` into the geometry of `dstPoints`: every pixel inside a destination triangle takes the
 * source colour at the same barycentric position in the matching source triangle (bilinear sample).
 * Returns RGB pixels of the destination size and a coverage mask (255 where a triangle covered it).
 */
export function warpPiecewiseAffine(src: RgbImage, srcPoints: readonly Point[], dstPoints: readonly Point[], tris: readonly Triangle[], width: number, height: number): { rgb: Uint8Array; covered: Uint8Array } {
  const rgb = new Uint8Array(width * height * 3);
  const covered = new Uint8Array(width * height);
  const { data, channels: sc, width: sw, height: sh } = src;
  for (const [i0, i1, i2] of tris) {
    const [x0, y0] = dstPoints[i0], [x1, y1] = dstPoints[i1], [x2, y2] = dstPoints[i2];
    const det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
    if (Math.abs(det) < 1e-9) continue;
    const [u0, v0] = srcPoints[i0], [u1, v1] = srcPoints[i1], [u2, v2] = srcPoints[i2];
    const xa = Math.max(0, Math.floor(Math.min(x0, x1, x2))), xb = Math.min(width - 1, Math.ceil(Math.max(x0, x1, x2)));
    const ya = Math.max(0, Math.floor(Math.min(y0, y1, y2))), yb = Math.min(height - 1, Math.ceil(Math.max(y0, y1, y2)));
    for (let y = ya; y <= yb; y++) {
      const py = y + 0.5;
      for (let x = xa; x <= xb; x++) {
        const px = x + 0.5;
        const l0 = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det;
        const l1 = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det;
        const l2 = 1 - l0 - l1;
        // A small tolerance closes hairline gaps between neighbouring triangles.
        if (l0 < -1e-4 || l1 < -1e-4 || l2 < -1e-4) continue;
        const sx = Math.min(sw - 1, Math.max(0, l0 * u0 + l1 * u1 + l2 * u2 - 0.5));
        const sy = Math.min(sh - 1, Math.max(0, l0 * v0 + l1 * v1 + l2 * v2 - 0.5));
        const ix = Math.floor(sx), iy = Math.floor(sy);
        const fx = sx - ix, fy = sy - iy;
        const jx = Math.min(sw - 1, ix + 1), jy = Math.min(sh - 1, iy + 1);
        const p00 = (iy * sw + ix) * sc, p10 = (iy * sw + jx) * sc, p01 = (jy * sw + ix) * sc, p11 = (jy * sw + jx) * sc;
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) {
          const top = data[p00 + c] + (data[p10 + c] - data[p00 + c]) * fx;
          const bottom = data[p01 + c] + (data[p11 + c] - data[p01 + c]) * fx;
          rgb[o + c] = Math.round(top + (bottom - top) * fy);
        }
        covered[y * width + x] = 255;
      }
    }
  }
  return { rgb, covered };
}
