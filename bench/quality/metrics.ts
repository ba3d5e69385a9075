/**
 * Colour metrics the quality modules share: sRGB ↔ linear RGB, CIELAB (D65) and CIEDE2000.
 * ΔE2000 follows Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation
 * notes, supplementary test data, and mathematical observations"; test/engines/pixel/delta-e2000.test.ts
 * checks it against their published pairs.
 */
import { linearToSrgbByte as linearToSrgb, SRGB_TO_LINEAR } from '../../src/engines/lab.js';
import type { Rgb } from './images.js';

// The engines' own conversions, so the benchmark measures in exactly the space the engines work in.
export { SRGB_TO_LINEAR, linearToSrgbByte as linearToSrgb } from '../../src/engines/lab.js';

// D65 reference white, sRGB primaries (IEC 61966-2-1).
const XN = 0.95047, YN = 1.0, ZN = 1.08883;
const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);

/** One sRGB pixel (0..255 each) → CIELAB under D65, written into `out` at `o`. */
export function srgbPixelToLab(r: number, g: number, b: number, out: Float64Array | Float32Array, o = 0): void {
  const lr = SRGB_TO_LINEAR[r], lg = SRGB_TO_LINEAR[g], lb = SRGB_TO_LINEAR[b];
  const x = 0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb;
  const y = 0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb;
  const z = 0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb;
  const fx = f(x / XN), fy = f(y / YN), fz = f(z / ZN);
  out[o] = 116 * fy - 16;
  out[o + 1] = 500 * (fx - fy);
  out[o + 2] = 200 * (fy - fz);
}

/** The whole image in CIELAB (L, a, b interleaved). */
export function toLab(img: Rgb): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) srgbPixelToLab(img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2], out, i * 3);
  return out;
}

const DEG = Math.PI / 180;
const POW25_7 = 25 ** 7;

/** CIEDE2000 colour difference between two CIELAB colours (kL = kC = kH = 1). */
export function deltaE2000(L1: number, a1: number, b1: number, L2: number, a2: number, b2: number): number {
  const C1 = Math.hypot(a1, b1), C2 = Math.hypot(a2, b2);
  const Cbar7 = ((C1 + C2) / 2) ** 7;
  const G = 0.5 * (1 - Math.sqrt(Cbar7 / (Cbar7 + POW25_7)));
  const a1p = (1 + G) * a1, a2p = (1 + G) * a2;
  const C1p = Math.hypot(a1p, b1), C2p = Math.hypot(a2p, b2);
  const hue = (b: number, ap: number) => {
    if (b === 0 && ap === 0) return 0;
    const h = Math.atan2(b, ap) / DEG;
    return h < 0 ? h + 360 : h;
  };
  const h1p = hue(b1, a1p), h2p = hue(b2, a2p);

  const dLp = L2 - L1;
  const dCp = C2p - C1p;
  let dhp = 0;
  if (C1p * C2p !== 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    else if (dhp < -180) dhp += 360;
  }
  const dHp = 2 * Math.sqrt(C1p * C2p) * Math.sin((dhp / 2) * DEG);

  const Lbp = (L1 + L2) / 2;
  const Cbp = (C1p + C2p) / 2;
  let hbp = h1p + h2p;
  if (C1p * C2p !== 0) {
    if (Math.abs(h1p - h2p) <= 180) hbp /= 2;
    else hbp = h1p + h2p < 360 ? (hbp + 360) / 2 : (hbp - 360) / 2;
  }
  const T = 1 - 0.17 * Math.cos((hbp - 30) * DEG) + 0.24 * Math.cos(2 * hbp * DEG) + 0.32 * Math.cos((3 * hbp + 6) * DEG) - 0.2 * Math.cos((4 * hbp - 63) * DEG);
  const dTheta = 30 * Math.exp(-(((hbp - 275) / 25) ** 2));
  const Cbp7 = Cbp ** 7;
  const RC = 2 * Math.sqrt(Cbp7 / (Cbp7 + POW25_7));
  const SL = 1 + (0.015 * (Lbp - 50) ** 2) / Math.sqrt(20 + (Lbp - 50) ** 2);
  const SC = 1 + 0.045 * Cbp;
  const SH = 1 + 0.015 * Cbp * T;
  const RT = -Math.sin(2 * dTheta * DEG) * RC;
  const l = dLp / SL, c = dCp / SC, h = dHp / SH;
  return Math.sqrt(l * l + c * c + h * h + RT * c * h);
}

/** Mean CIEDE2000 over pixels between two same-size sRGB images (optionally only where `mask` is set). */
export function meanDeltaE2000(a: Rgb, b: Rgb, mask?: Uint8Array): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size mismatch: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  const la = toLab(a), lb = toLab(b);
  let sum = 0, n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    if (mask && !mask[i]) continue;
    const o = i * 3;
    sum += deltaE2000(la[o], la[o + 1], la[o + 2], lb[o], lb[o + 1], lb[o + 2]);
    n++;
  }
  return n ? sum / n : NaN;
}

/** Multiplies each channel by a gain in linear light (a known illuminant cast or exposure change). */
export function scaleLinear(img: Rgb, gains: readonly [number, number, number]): Rgb {
  const out = new Uint8Array(img.data.length);
  const luts = gains.map((k) => {
    const t = new Uint8Array(256);
    for (let v = 0; v < 256; v++) t[v] = linearToSrgb(SRGB_TO_LINEAR[v] * k);
    return t;
  });
  for (let o = 0; o < out.length; o += 3) {
    out[o] = luts[0][img.data[o]];
    out[o + 1] = luts[1][img.data[o + 1]];
    out[o + 2] = luts[2][img.data[o + 2]];
  }
  return { data: out, width: img.width, height: img.height };
}

/** Luminance-only copy (CIE L* kept, a* = b* = 0), for colorization ground truth. */
export function grayscale(img: Rgb): Rgb {
  const out = new Uint8Array(img.data.length);
  for (let o = 0; o < out.length; o += 3) {
    const y = 0.2126729 * SRGB_TO_LINEAR[img.data[o]] + 0.7151522 * SRGB_TO_LINEAR[img.data[o + 1]] + 0.072175 * SRGB_TO_LINEAR[img.data[o + 2]];
    out[o] = out[o + 1] = out[o + 2] = linearToSrgb(y);
  }
  return { data: out, width: img.width, height: img.height };
}

const finv = (t: number) => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));

/** CIELAB (D65) → sRGB code values (clamped), written into `out` at `o`. */
export function labToSrgbPixel(L: number, a: number, b: number, out: Uint8Array, o = 0): void {
  const fy = (L + 16) / 116;
  const x = XN * finv(fy + a / 500), y = YN * finv(fy), z = ZN * finv(fy - b / 200);
  out[o] = linearToSrgb(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
  out[o + 1] = linearToSrgb(-0.969266 * x + 1.8760108 * y + 0.041556 * z);
  out[o + 2] = linearToSrgb(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
}
