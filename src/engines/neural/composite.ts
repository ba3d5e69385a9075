import sharp from 'sharp';
import type { RawImage } from '../image-io.js';

/** out = src * a + bg * (1 - a), per pixel, where a is the matte. */
export function compositeOver(src: RawImage, matte: Buffer, background: (i: number, c: number) => number): RawImage {
  const C = 3;
  const out = Buffer.alloc(src.width * src.height * C);
  for (let i = 0; i < matte.length; i++) {
    const a = matte[i] / 255;
    for (let c = 0; c < C; c++) out[i * C + c] = Math.round(src.data[i * src.channels + c] * a + background(i, c) * (1 - a));
  }
  return { data: out, width: src.width, height: src.height, channels: 3 };
}

/**
 * The background blurred without the subject bleeding into it: blur(image * w) / blur(w), with
 * w = 1 - matte. sharp premultiplies by alpha before blurring and divides after, so the weight
 * goes in as alpha.
 */
export async function blurredBackground(src: RawImage, matte: Buffer, sigma: number): Promise<RawImage> {
  const n = src.width * src.height;
  const rgba = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = src.data[i * src.channels + c];
    rgba[i * 4 + 3] = 255 - matte[i];
  }
  const blurred = await sharp(rgba, { raw: { width: src.width, height: src.height, channels: 4 } }).blur(sigma).raw().toBuffer();
  const out = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    // Deep inside the subject no background is near: keep the source there (the matte hides it anyway).
    const useBlur = blurred[i * 4 + 3] > 8;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = useBlur ? blurred[i * 4 + c] : src.data[i * src.channels + c];
  }
  return { data: out, width: src.width, height: src.height, channels: 3 };
}
