/** sRGB <-> CIE Lab (D65) on interleaved 8-bit images, and masked Lab statistics: shared by the face and pixel engines. */

/** sRGB code value (0..255) → linear light (0..1). */
export const SRGB_TO_LINEAR = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  const c = v / 255;
  SRGB_TO_LINEAR[v] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}
const XN = 0.95047, ZN = 1.08883;
const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
const finv = (t: number) => (t > 0.206893 ? t * t * t : (t - 16 / 116) / 7.787);
const gamma = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * Math.pow(c, 1 / 2.4) - 0.055);
/** Linear light (clamped to 0..1) → sRGB code value, rounded. */
export const linearToSrgbByte = (c: number): number => (c <= 0 ? 0 : c >= 1 ? 255 : Math.round(gamma(c) * 255));

/** Lab planes (L 0..100, a/b about -128..127) packed as L,a,b per pixel. */
export function rgbToLab(data: Uint8Array, channels: number, pixels: number): Float32Array {
  const out = new Float32Array(pixels * 3);
  for (let i = 0, o = 0; i < pixels; i++, o += 3) {
    const p = i * channels;
    const r = SRGB_TO_LINEAR[data[p]], g = SRGB_TO_LINEAR[data[p + 1]], b = SRGB_TO_LINEAR[data[p + 2]];
    const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN;
    const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
    const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / ZN;
    const fx = f(x), fy = f(y), fz = f(z);
    out[o] = 116 * fy - 16;
    out[o + 1] = 500 * (fx - fy);
    out[o + 2] = 200 * (fy - fz);
  }
  return out;
}

/** Writes one Lab pixel back as 8-bit RGB at `data[p..p+2]`. */
export function labToRgbAt(L: number, a: number, b: number, data: Uint8Array, p: number): void {
  const fy = (L + 16) / 116;
  const x = XN * finv(fy + a / 500), y = finv(fy), z = ZN * finv(fy - b / 200);
  data[p] = linearToSrgbByte(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
  data[p + 1] = linearToSrgbByte(-0.969266 * x + 1.8760108 * y + 0.041556 * z);
  data[p + 2] = linearToSrgbByte(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
}

export interface LabStats {
  mean: [number, number, number];
  std: [number, number, number];
  weight: number;
}

/** Weighted mean and standard deviation of L, a, b under a 0..255 mask. */
export function labStats(lab: Float32Array, mask: Uint8Array): LabStats {
  const s = [0, 0, 0], q = [0, 0, 0];
  let w = 0;
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i];
    if (!m) continue;
    w += m;
    for (let c = 0; c < 3; c++) {
      const v = lab[i * 3 + c];
      s[c] += m * v;
      q[c] += m * v * v;
    }
  }
  if (w === 0) return { mean: [0, 0, 0], std: [0, 0, 0], weight: 0 };
  const mean = s.map((v) => v / w) as [number, number, number];
  const std = q.map((v, c) => Math.sqrt(Math.max(0, v / w - mean[c] * mean[c]))) as [number, number, number];
  return { mean, std, weight: w / 255 };
}
