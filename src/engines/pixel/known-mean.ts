/**
 * Box means over known pixels only (normalised convolution), shared by the hole fill's ring check and
 * detail limit (hole-fill.ts) and the side base (side-base.ts). Its own module so neither of those
 * imports the other.
 */
import { boxBlur } from '../box-blur.js';

/**
 * Box mean over known pixels only (normalised convolution), so hole values never leak in. One channel
 * at a time (the box sums are per channel, so this is the all-channels-at-once result): one-channel
 * scratch planes instead of ch + 1 channels' (issue 14).
 */
export function knownMean(values: Float32Array, known: Uint8Array, w: number, h: number, ch: number, r: number): Float32Array {
  const n = w * h;
  const plane = new Float32Array(n);
  for (let p = 0; p < n; p++) plane[p] = known[p] ? 1 : 0;
  const count = boxBlur(plane, w, h, 1, r);
  const out = new Float32Array(n * ch);
  for (let c = 0; c < ch; c++) {
    for (let p = 0; p < n; p++) plane[p] = known[p] ? values[ch * p + c] : 0;
    const b = boxBlur(plane, w, h, 1, r);
    for (let p = 0; p < n; p++) out[ch * p + c] = count[p] > 1e-6 ? b[p] / count[p] : values[ch * p + c];
  }
  return out;
}
