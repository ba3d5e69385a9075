/**
 * Enhance at scale 1: a light restoration at the photo's own size, no super-resolution network (which
 * would cost as much as x2 and, folded back, softens a slightly blurred photo). Soft photos get a
 * cored unsharp mask; block-compressed photos are left as they are, because any sharpening amplifies
 * the 8×8 blocks (measured: every tried mask moved JPEG q=40 photos further from the clean original).
 */
import sharp from 'sharp';
import type { RawImage } from '../image-io.js';

/** Gaussian radius, strength and the detail amplitude (grey levels) below which nothing is boosted. */
const SIGMA = 1.5;
const AMOUNT = 0.4;
const CORING = 3;
/** Mean step across 8-px block borders over the mean step elsewhere above which the photo counts as block-compressed. */
const BLOCKINESS_LIMIT = 1.15;

function luma(rgb: Uint8Array, n: number): Float32Array {
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  return y;
}

/** How much stronger luma steps are on the 8-px JPEG grid than off it (≈1 for an uncompressed photo). */
export function blockiness(rgb: Uint8Array, width: number, height: number): number {
  const y = luma(rgb, width * height);
  let onGrid = 0, onCount = 0, offGrid = 0, offCount = 0;
  const step = (a: number, b: number, grid: boolean) => {
    const d = Math.abs(y[a] - y[b]);
    if (grid) {
      onGrid += d;
      onCount++;
    } else {
      offGrid += d;
      offCount++;
    }
  };
  for (let r = 0; r < height; r++) for (let x = 0; x + 1 < width; x++) step(r * width + x, r * width + x + 1, x % 8 === 7);
  for (let r = 0; r + 1 < height; r++) for (let x = 0; x < width; x++) step(r * width + x, (r + 1) * width + x, r % 8 === 7);
  if (!onCount || !offCount || offGrid === 0) return 1;
  return onGrid / onCount / (offGrid / offCount);
}

/** Restores an RGB image at its own size; returns a new image, the input untouched. */
export async function restore(src: RawImage): Promise<RawImage> {
  if (src.channels !== 3) throw new Error('restore expects RGB');
  if (blockiness(src.data, src.width, src.height) > BLOCKINESS_LIMIT) return { ...src, data: Buffer.from(src.data) };
  const blurred = await sharp(src.data, { raw: { width: src.width, height: src.height, channels: 3 } }).blur(SIGMA).raw().toBuffer();
  const out = Buffer.alloc(src.data.length);
  for (let i = 0; i < out.length; i++) {
    const detail = src.data[i] - blurred[i];
    const cored = detail > CORING ? detail - CORING : detail < -CORING ? detail + CORING : 0;
    const v = src.data[i] + AMOUNT * cored;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return { ...src, data: out };
}
