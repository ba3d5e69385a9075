/**
 * Worker-side paste-back of a repainted crop: the soft edge lies inside the mask, so every pixel
 * outside it keeps its original value exactly.
 */
import { featherInside } from '../face/raster.js';

export interface BlendArgs {
  /** Full image, RGB. */
  base: Uint8Array;
  width: number;
  height: number;
  /** Repainted crop, RGB, (x1-x0)×(y1-y0). */
  gen: Uint8Array;
  /** Hard mask of the crop, 0 or 255. */
  mask: Uint8Array;
  rect: [number, number, number, number];
  featherPx: number;
}

/** Inner feather; thin strokes would vanish under a wide one, so it narrows until half the mask's weight is kept. */
export function softMask(hard: Uint8Array, width: number, height: number, featherPx: number): Uint8Array {
  let total = 0;
  for (const v of hard) total += v;
  for (let px = featherPx; px >= 1; px /= 2) {
    const soft = featherInside(hard, width, height, Math.round(px));
    let kept = 0;
    for (const v of soft) kept += v;
    if (kept >= total / 2) return soft;
  }
  return hard;
}

export function blendCrop(a: BlendArgs): Uint8Array {
  const [x0, y0, x1, y1] = a.rect;
  const cw = x1 - x0;
  const ch = y1 - y0;
  const alpha = softMask(a.mask, cw, ch, a.featherPx);
  const out = new Uint8Array(a.base);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const k = alpha[y * cw + x];
      if (k === 0) continue;
      const o = ((y + y0) * a.width + (x + x0)) * 3;
      const g = (y * cw + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(out[o + c] + ((a.gen[g + c] - out[o + c]) * k) / 255);
    }
  }
  return out;
}
