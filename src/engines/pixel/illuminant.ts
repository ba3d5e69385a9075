/**
 * Illuminant estimation for white balance. Several classic colour-constancy estimates are computed on
 * a small linear-light copy of the photo; each returns the illuminant's RGB (normalised to G = 1).
 *
 * Every estimate here is equivariant to a diagonal cast: multiply the scene by (kR, kG, kB) in linear
 * light and the estimate is multiplied by the same gains (up to clipping). So the *spread* between
 * estimates does not depend on the cast, which is what makes it a usable confidence.
 */
import { SRGB_TO_LINEAR } from '../lab.js';

export type Triple = [number, number, number];

/** A block-averaged linear-light copy of the photo, with a flag for blocks touching clipped pixels. */
export interface Thumb {
  rgb: Float32Array;
  clipped: Uint8Array;
  width: number;
  height: number;
}

/** Block-averages to at most `maxSide` on the long side (averaging doubles as the blur gray-edge needs). */
export function linearThumb(data: Uint8Array, width: number, height: number, channels: number, maxSide = 320): Thumb {
  const k = Math.max(1, Math.ceil(Math.max(width, height) / maxSide));
  const w = Math.floor(width / k), h = Math.floor(height / k);
  const rgb = new Float32Array(w * h * 3);
  const clipped = new Uint8Array(w * h);
  const inv = 1 / (k * k);
  for (let ty = 0; ty < h; ty++) {
    for (let tx = 0; tx < w; tx++) {
      let r = 0, g = 0, b = 0, clip = 0;
      for (let y = ty * k; y < ty * k + k; y++) {
        let o = (y * width + tx * k) * channels;
        for (let x = 0; x < k; x++, o += channels) {
          const R = data[o], G = data[o + 1], B = data[o + 2];
          if (R >= 250 || G >= 250 || B >= 250) clip = 1;
          r += SRGB_TO_LINEAR[R]; g += SRGB_TO_LINEAR[G]; b += SRGB_TO_LINEAR[B];
        }
      }
      const i = ty * w + tx;
      rgb[i * 3] = r * inv; rgb[i * 3 + 1] = g * inv; rgb[i * 3 + 2] = b * inv;
      clipped[i] = clip;
    }
  }
  return { rgb, clipped, width: w, height: h };
}

const normalise = (e: Triple): Triple => (e[1] > 0 ? [e[0] / e[1], 1, e[2] / e[1]] : [1, 1, 1]);

/** Usable pixels: not touching clipping, not so dark that noise and quantisation dominate. */
function usable(t: Thumb, i: number): boolean {
  const o = i * 3;
  return !t.clipped[i] && t.rgb[o] + t.rgb[o + 1] + t.rgb[o + 2] > 0.02;
}

/** Gray edge (van de Weijer et al.): the Minkowski p-norm of each channel's gradient magnitude. */
export function grayEdge(t: Thumb, p = 6): Triple {
  const s: Triple = [0, 0, 0];
  const { width: w, height: h, rgb } = t;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (t.clipped[i] || t.clipped[i - 1] || t.clipped[i + 1] || t.clipped[i - w] || t.clipped[i + w]) continue;
      for (let c = 0; c < 3; c++) {
        const gx = rgb[(i + 1) * 3 + c] - rgb[(i - 1) * 3 + c];
        const gy = rgb[(i + w) * 3 + c] - rgb[(i - w) * 3 + c];
        // |∇|^p as (gx² + gy²)^(p/2): for the even p used, multiplications instead of hypot and pow.
        const m2 = gx * gx + gy * gy;
        s[c] += p === 6 ? m2 * m2 * m2 : m2 ** (p / 2);
      }
    }
  }
  return normalise(s.map((v) => v ** (1 / p)) as Triple);
}

/** White patch, robustly: the mean of the brightest `fraction` of unclipped pixels. */
export function brightPixels(t: Thumb, fraction = 0.03): Triple {
  const pixels = t.width * t.height;
  const lum = new Float32Array(pixels).fill(-1);
  let usableCount = 0;
  for (let i = 0; i < pixels; i++) {
    if (!usable(t, i)) continue;
    lum[i] = t.rgb[i * 3] + t.rgb[i * 3 + 1] + t.rgb[i * 3 + 2];
    usableCount++;
  }
  if (!usableCount) return [1, 1, 1];
  const n = Math.max(1, Math.round(usableCount * fraction));
  // The n-th brightest luminance (a typed-array sort is numeric and native), then the n pixels above it
  // (ties at the threshold taken in scan order).
  const threshold = Float32Array.from(lum).sort()[pixels - n];
  let above = 0;
  for (let i = 0; i < pixels; i++) if (lum[i] > threshold) above++;
  let ties = n - above;
  const s: Triple = [0, 0, 0];
  for (let i = 0; i < pixels; i++) {
    if (lum[i] < threshold || (lum[i] === threshold && ties-- <= 0)) continue;
    for (let c = 0; c < 3; c++) s[c] += t.rgb[i * 3 + c];
  }
  return normalise(s);
}

/** Angle in degrees between two RGB directions: the usual colour-constancy error measure. */
export function angularError(a: Triple, b: Triple): number {
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const cos = dot / (Math.hypot(...a) * Math.hypot(...b));
  return (Math.acos(Math.min(1, Math.max(-1, cos))) * 180) / Math.PI;
}

/**
 * Share of usable pixels whose colour lies within `degrees` of the direction `e` (a gray lit by `e`
 * has exactly that colour). Compared for the estimated illuminant and for white light, it says which
 * of the two the photo's own grays support.
 */
export function grayShare(t: Thumb, e: Triple, degrees = 2): number {
  const cosMin = Math.cos((degrees * Math.PI) / 180);
  const en = Math.hypot(...e);
  let n = 0, hit = 0;
  for (let i = 0; i < t.width * t.height; i++) {
    if (!usable(t, i)) continue;
    const o = i * 3;
    const r = t.rgb[o], g = t.rgb[o + 1], b = t.rgb[o + 2];
    n++;
    if ((r * e[0] + g * e[1] + b * e[2]) / (Math.hypot(r, g, b) * en) >= cosMin) hit++;
  }
  return n ? hit / n : 0;
}
