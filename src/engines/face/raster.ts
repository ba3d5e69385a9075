/** Small raster helpers for 1-channel masks: polygon fill, box blur, feathering. */

export type Point = [number, number];

/** Fills a polygon (even-odd rule, pixel centres) into `mask` with `value`, by scanlines. */
export function fillPolygon(mask: Uint8Array, width: number, height: number, poly: readonly Point[], value = 255): void {
  if (poly.length < 3) return;
  let minY = Infinity, maxY = -Infinity;
  for (const [, y] of poly) {
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const y0 = Math.max(0, Math.ceil(minY - 0.5));
  const y1 = Math.min(height - 1, Math.floor(maxY - 0.5));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i];
      const [xj, yj] = poly[j];
      if ((yi <= cy && yj > cy) || (yj <= cy && yi > cy)) xs.push(xi + ((cy - yi) / (yj - yi)) * (xj - xi));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const a = Math.max(0, Math.ceil(xs[k] - 0.5));
      const b = Math.min(width - 1, Math.floor(xs[k + 1] - 0.5));
      if (b >= a) mask.fill(value, y * width + a, y * width + b + 1);
    }
  }
}

export function fillDisk(mask: Uint8Array, width: number, height: number, cx: number, cy: number, r: number, value = 255): void {
  const y0 = Math.max(0, Math.floor(cy - r)), y1 = Math.min(height - 1, Math.ceil(cy + r));
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    const half = Math.sqrt(Math.max(0, r * r - dy * dy));
    const a = Math.max(0, Math.ceil(cx - half - 0.5)), b = Math.min(width - 1, Math.floor(cx + half - 0.5));
    if (b >= a) mask.fill(value, y * width + a, y * width + b + 1);
  }
}

/** Separable box blur with radius r (window 2r+1), edge-clamped, in place on a float plane. */
export function boxBlur(plane: Float32Array, width: number, height: number, r: number): void {
  if (r < 1) return;
  const tmp = new Float32Array(Math.max(width, height));
  const win = 2 * r + 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += plane[row + Math.min(width - 1, Math.max(0, k))];
    for (let x = 0; x < width; x++) {
      tmp[x] = acc / win;
      acc += plane[row + Math.min(width - 1, x + r + 1)] - plane[row + Math.max(0, x - r)];
    }
    plane.set(tmp.subarray(0, width), row);
  }
  for (let x = 0; x < width; x++) {
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += plane[Math.min(height - 1, Math.max(0, k)) * width + x];
    for (let y = 0; y < height; y++) {
      tmp[y] = acc / win;
      acc += plane[Math.min(height - 1, y + r + 1) * width + x] - plane[Math.max(0, y - r) * width + x];
    }
    for (let y = 0; y < height; y++) plane[y * width + x] = tmp[y];
  }
}

/**
 * Soft edge that lies entirely inside the hard mask: erode by `px`, then blur by the same amount, so
 * pixels outside the original region stay exactly 0 and pixels deeper than `px` inside stay 255.
 */
export function featherInside(hard: Uint8Array, width: number, height: number, px: number): Uint8Array {
  if (px < 1) return hard;
  const r = Math.max(1, Math.round(px / 2));
  const plane = new Float32Array(hard.length);
  for (let i = 0; i < hard.length; i++) plane[i] = hard[i] / 255;
  boxBlur(plane, width, height, r);
  // Erosion: only pixels whose whole (2r+1)² window is inside survive.
  for (let i = 0; i < plane.length; i++) plane[i] = plane[i] > 0.999 ? 1 : 0;
  // Three box passes of radius r/3-ish approximate a Gaussian whose support (≤ r) stays inside the erosion margin.
  const rb = Math.max(1, Math.floor(r / 3));
  for (let k = 0; k < 3; k++) boxBlur(plane, width, height, rb);
  const out = new Uint8Array(hard.length);
  for (let i = 0; i < out.length; i++) out[i] = hard[i] === 0 ? 0 : Math.round(Math.min(1, plane[i]) * 255);
  return out;
}

/** Pixel-wise a * (1 - b/255): removes region b from region a. */
export function subtractMask(a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < a.length; i++) a[i] = Math.round((a[i] * (255 - b[i])) / 255);
}

/** Square erosion by r pixels: a pixel stays only if its whole (2r+1)² neighbourhood is inside. */
export function erode(hard: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const plane = new Float32Array(hard.length);
  for (let i = 0; i < hard.length; i++) plane[i] = hard[i] ? 1 : 0;
  boxBlur(plane, width, height, r);
  const out = new Uint8Array(hard.length);
  for (let i = 0; i < out.length; i++) out[i] = hard[i] && plane[i] > 0.999 ? 255 : 0;
  return out;
}

/** The pixel rectangle [x0, y0, x1, y1) around a set of points, grown by `margin` and clamped to the image. */
export function roiAround(points: readonly Point[], margin: number, width: number, height: number): [number, number, number, number] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of points) {
    minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x); maxY = Math.max(maxY, y);
  }
  return [
    Math.max(0, Math.floor(minX - margin)),
    Math.max(0, Math.floor(minY - margin)),
    Math.min(width, Math.ceil(maxX + margin) + 1),
    Math.min(height, Math.ceil(maxY + margin) + 1),
  ];
}

/** Copies a rectangle out of an interleaved image. */
export function cropPixels(data: Uint8Array, width: number, channels: number, [x0, y0, x1, y1]: readonly number[]): Uint8Array {
  const w = x1 - x0, rowBytes = w * channels;
  const out = new Uint8Array(w * (y1 - y0) * channels);
  for (let y = y0; y < y1; y++) out.set(data.subarray((y * width + x0) * channels, (y * width + x0) * channels + rowBytes), (y - y0) * rowBytes);
  return out;
}

/** Writes a cropped rectangle back into the full image. */
export function pastePixels(into: Uint8Array, width: number, channels: number, crop: Uint8Array, [x0, y0, x1, y1]: readonly number[]): void {
  const rowBytes = (x1 - x0) * channels;
  for (let y = y0; y < y1; y++) into.set(crop.subarray((y - y0) * rowBytes, (y - y0 + 1) * rowBytes), (y * width + x0) * channels);
}

/** Square dilation by r pixels. */
export function dilate(hard: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const plane = new Float32Array(hard.length);
  for (let i = 0; i < hard.length; i++) plane[i] = hard[i] ? 1 : 0;
  boxBlur(plane, width, height, r);
  const out = new Uint8Array(hard.length);
  for (let i = 0; i < out.length; i++) out[i] = plane[i] > 1e-4 ? 255 : 0;
  return out;
}

/** A soft edge centred on the outline (one box pass of radius r): thin shapes keep their full weight inside. */
export function softenCentred(hard: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const plane = new Float32Array(hard.length);
  for (let i = 0; i < hard.length; i++) plane[i] = hard[i] / 255;
  boxBlur(plane, width, height, Math.max(1, Math.round(r)));
  const out = new Uint8Array(hard.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(plane[i] * 255);
  return out;
}

/** Running maximum over a (2r+1)² square, separable. */
export function maxFilter(p: Float32Array, w: number, h: number, r: number): Float32Array {
  const a = new Float32Array(p.length), b = new Float32Array(p.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let m = 0;
    for (let k = Math.max(0, x - r); k <= Math.min(w - 1, x + r); k++) m = Math.max(m, p[y * w + k]);
    a[y * w + x] = m;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let m = 0;
    for (let k = Math.max(0, y - r); k <= Math.min(h - 1, y + r); k++) m = Math.max(m, a[k * w + x]);
    b[y * w + x] = m;
  }
  return b;
}

/** Convex hull of points (monotone chain), for filling the area a set of landmarks spans. */
export function convexHull(points: readonly Point[]): Point[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const chain = (pts: Point[]) => {
    const out: Point[] = [];
    for (const q of pts) {
      while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], q) <= 0) out.pop();
      out.push(q);
    }
    out.pop();
    return out;
  };
  return [...chain(p), ...chain([...p].reverse())];
}
