/**
 * Red-eye: a flash lights the retina through the pupil, and a reference photographed that way would
 * put red pupils into the swapped face. No eye has them, so the reference's irises are cleaned before it
 * is warped: inside each iris (the mesh's iris landmarks) a pixel that is red rather than the brown,
 * green or blue of an iris takes its red channel down to its green and blue, which leaves a dark pupil
 * with its catch-light.
 */
import type { Point } from './raster.js';
import type { RgbImage } from './warp.js';

/** Iris landmarks of the mesh: a centre and four points on the rim, per eye. */
const IRISES = [
  [468, 469, 470, 471, 472],
  [473, 474, 475, 476, 477],
] as const;

/** How red a pixel is against its own green and blue (0 none, 1 a clear red-eye), in RGB. */
function redness(r: number, g: number, b: number): number {
  // Red-eye is red over green and blue alike; a brown or hazel iris is red over blue but also green
  // over blue (yellowish), so the green–blue gap tells them apart.
  const red = Math.min(1, Math.max(0, (r - 1.25 * Math.max(g, b) - 8) / 25));
  const notBrown = Math.min(1, Math.max(0, 1 - (g - b - 8) / 15));
  // A faint trace (warm skin at the disk's edge) is left alone.
  return Math.max(0, (red * notBrown - 0.1) / 0.9);
}

/** The reference with red pupils darkened, or the same image when it has none (no copy is made). */
export function withoutRedEye(img: RgbImage, mesh: readonly Point[]): RgbImage {
  if (mesh.length < 478) return img;
  let out: Uint8Array | undefined;
  const ch = img.channels;
  for (const [centre, ...rim] of IRISES) {
    const [cx, cy] = mesh[centre];
    const radius = (rim.reduce((s, i) => s + Math.hypot(mesh[i][0] - cx, mesh[i][1] - cy), 0) / rim.length) * 1.3;
    const x0 = Math.max(0, Math.floor(cx - radius)), x1 = Math.min(img.width - 1, Math.ceil(cx + radius));
    const y0 = Math.max(0, Math.floor(cy - radius)), y1 = Math.min(img.height - 1, Math.ceil(cy + radius));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (Math.hypot(x - cx, y - cy) > radius) continue;
        const k = (y * img.width + x) * ch;
        const src = out ?? img.data;
        const [r, g, b] = [src[k], src[k + 1], src[k + 2]];
        const t = redness(r, g, b);
        if (t <= 0) continue;
        out ??= Uint8Array.from(img.data);
        out[k] = Math.round(r * (1 - t) + ((g + b) / 2) * t);
      }
    }
  }
  return out ? { ...img, data: out } : img;
}
