/**
 * Simple, well-known baselines the quality modules compare Darkroom against, computed in the same run.
 * Written here from their textbook definitions (no shelling out), so the benchmark runs anywhere.
 */
import type { Rgb } from './images.js';
import { labToSrgbPixel, scaleLinear, SRGB_TO_LINEAR, toLab } from './metrics.js';

/** Gray world (Buchsbaum): scale each channel in linear light so the three channel means are equal. */
export function grayWorld(img: Rgb): Rgb {
  const sum = [0, 0, 0];
  for (let o = 0; o < img.data.length; o += 3) for (let c = 0; c < 3; c++) sum[c] += SRGB_TO_LINEAR[img.data[o + c]];
  const gray = (sum[0] + sum[1] + sum[2]) / 3;
  return scaleLinear(img, sum.map((s) => (s > 0 ? gray / s : 1)) as [number, number, number]);
}

/**
 * ImageMagick's `-auto-level` (channels synced, its default): the darkest and brightest value over all
 * channels are stretched to 0 and 255 with one linear map.
 */
export function autoLevel(img: Rgb): Rgb {
  let lo = 255, hi = 0;
  for (const v of img.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Uint8Array(img.data.length);
  const span = Math.max(1, hi - lo);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(((img.data[i] - lo) * 255) / span);
  return { data: out, width: img.width, height: img.height };
}

/**
 * CLAHE (Zuiderveld) on CIELAB L*, a* and b* kept: `grid`×`grid` tiles, histogram clipped at
 * `clipLimit` × the mean bin count with the excess spread evenly, mappings interpolated bilinearly
 * between tile centres (OpenCV's createCLAHE(2.0, 8×8) applied to L is the usual recipe).
 */
export function claheL(img: Rgb, clipLimit = 2, grid = 8): Rgb {
  const { width: w, height: h } = img;
  const lab = toLab(img);
  const bins = 256;
  const L = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) L[i] = Math.max(0, Math.min(255, Math.round((lab[i * 3] * 255) / 100)));
  const tw = w / grid, th = h / grid;
  const maps: Float32Array[] = [];
  for (let ty = 0; ty < grid; ty++) {
    for (let tx = 0; tx < grid; tx++) {
      const x0 = Math.floor(tx * tw), x1 = Math.floor((tx + 1) * tw), y0 = Math.floor(ty * th), y1 = Math.floor((ty + 1) * th);
      const hist = new Float64Array(bins);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hist[L[y * w + x]]++;
      const n = Math.max(1, (x1 - x0) * (y1 - y0));
      const limit = Math.max(1, (clipLimit * n) / bins);
      let excess = 0;
      for (let b = 0; b < bins; b++) if (hist[b] > limit) { excess += hist[b] - limit; hist[b] = limit; }
      const add = excess / bins;
      const map = new Float32Array(bins);
      let acc = 0;
      for (let b = 0; b < bins; b++) { acc += hist[b] + add; map[b] = (acc * 255) / n; }
      maps.push(map);
    }
  }
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < h; y++) {
    // Position relative to tile centres, clamped at the borders.
    const gy = Math.min(grid - 1, Math.max(0, (y + 0.5) / th - 0.5));
    const y0 = Math.floor(gy), y1 = Math.min(grid - 1, y0 + 1), fy = gy - y0;
    for (let x = 0; x < w; x++) {
      const gx = Math.min(grid - 1, Math.max(0, (x + 0.5) / tw - 0.5));
      const x0 = Math.floor(gx), x1 = Math.min(grid - 1, x0 + 1), fx = gx - x0;
      const i = y * w + x, v = L[i];
      const top = maps[y0 * grid + x0][v] * (1 - fx) + maps[y0 * grid + x1][v] * fx;
      const bottom = maps[y1 * grid + x0][v] * (1 - fx) + maps[y1 * grid + x1][v] * fx;
      const newL = ((top * (1 - fy) + bottom * fy) * 100) / 255;
      labToSrgbPixel(newL, lab[i * 3 + 1], lab[i * 3 + 2], out, i * 3);
    }
  }
  return { data: out, width: w, height: h };
}

