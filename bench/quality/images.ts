/** Loading shared photos as raw RGB and the basic full-reference metrics every quality module uses. */
import path from 'node:path';
import sharp from 'sharp';
import { TESTDATA } from '../support.js';

export interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A shared photo as 3-channel raw RGB, its long side limited to `maxSide` (area-averaged). */
export async function loadPhoto(name: string, maxSide = 768): Promise<Rgb> {
  const img = sharp(path.join(TESTDATA, name)).rotate().removeAlpha().toColourspace('srgb');
  const meta = await img.metadata();
  const long = Math.max(meta.width ?? 0, meta.height ?? 0);
  const pipeline = long > maxSide ? img.resize({ width: meta.width! >= meta.height! ? maxSide : undefined, height: meta.height! > meta.width! ? maxSide : undefined, kernel: 'lanczos3' }) : img;
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

export async function decodeRgb(buf: Buffer): Promise<Rgb> {
  const { data, info } = await sharp(buf).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

export async function encodePng(img: Rgb): Promise<Buffer> {
  return sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
}

/** PSNR in dB over RGB, optionally only where `mask` (one byte a pixel) is non-zero. */
export function psnr(a: Rgb, b: Rgb, mask?: Uint8Array): number {
  let se = 0;
  let n = 0;
  const pixels = a.width * a.height;
  for (let i = 0; i < pixels; i++) {
    if (mask && !mask[i]) continue;
    for (let c = 0; c < 3; c++) {
      const d = a.data[i * 3 + c] - b.data[i * 3 + c];
      se += d * d;
    }
    n += 3;
  }
  if (n === 0) return NaN;
  const mse = se / n;
  return mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
}

function luma(img: Rgb): Float64Array {
  const out = new Float64Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
  return out;
}

/** Mean SSIM on luma over 8×8 windows with stride 4 (Wang et al. constants). */
export function ssim(a: Rgb, b: Rgb): number {
  const x = luma(a);
  const y = luma(b);
  const { width: w, height: h } = a;
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let count = 0;
  for (let by = 0; by + 8 <= h; by += 4) {
    for (let bx = 0; bx + 8 <= w; bx += 4) {
      let mx = 0, my = 0, vx = 0, vy = 0, cov = 0;
      for (let j = 0; j < 8; j++) for (let i = 0; i < 8; i++) {
        const k = (by + j) * w + bx + i;
        mx += x[k];
        my += y[k];
      }
      mx /= 64;
      my /= 64;
      for (let j = 0; j < 8; j++) for (let i = 0; i < 8; i++) {
        const k = (by + j) * w + bx + i;
        const dx = x[k] - mx, dy = y[k] - my;
        vx += dx * dx;
        vy += dy * dy;
        cov += dx * dy;
      }
      vx /= 63;
      vy /= 63;
      cov /= 63;
      sum += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      count++;
    }
  }
  return sum / count;
}

export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
