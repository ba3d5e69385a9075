/**
 * Red-eye: a flash lights the retina through the pupil, and a reference photographed that way would
 * put red pupils into the swapped face. No eye has them, so the reference's irises are cleaned before it
 * is warped: inside each iris and the open eye around it a pixel that is red rather than the brown,
 * green or blue of an iris takes its red channel down to its green and blue, which leaves a dark pupil
 * with its catch-light.
 */
import { LEFT_EYE, RIGHT_EYE } from './mesh-regions.js';
import { cropPixels, dilate, fillPolygon, pastePixels, roiAround, type Point } from './raster.js';
import type { RgbImage } from './warp.js';

/** Iris landmarks of the mesh: a centre and four points on the rim, per eye. */
const IRISES = [
  [468, 469, 470, 471, 472],
  [473, 474, 475, 476, 477],
] as const;

/** How red a pixel is against its own green and blue, 0..1, before telling red-eye from a brown iris. */
function redOverGreenBlue(r: number, g: number, b: number): number {
  return Math.min(1, Math.max(0, (r - 1.25 * Math.max(g, b) - 8) / 25));
}

/** How red a pixel is against its own green and blue (0 none, 1 a clear red-eye), in RGB. */
function redness(r: number, g: number, b: number): number {
  // Red-eye is red over green and blue alike; a brown or hazel iris is red over blue but also green
  // over blue (yellowish), so the green–blue gap tells them apart.
  const red = redOverGreenBlue(r, g, b);
  const notBrown = Math.min(1, Math.max(0, 1 - (g - b - 8) / 15));
  // A faint trace (warm skin at the disk's edge) is left alone.
  return Math.max(0, (red * notBrown - 0.1) / 0.9);
}

/** Each eye's outline with its inner (toward the nose) and outer corners. */
const EYES = [
  { outline: RIGHT_EYE, inner: 133, outer: 33 },
  { outline: LEFT_EYE, inner: 362, outer: 263 },
] as const;

/**
 * Where a red pupil can be: the iris disk (1.3 × its radius), and the open eye within its outline —
 * the iris landmarks can sit several pixels off a small eye's pupil — except the inner tenth toward the
 * nose, where the pink caruncle is as red as a flash's pupil.
 */
function pupilArea(img: RgbImage, mesh: readonly Point[]): { mask: Uint8Array; box: [number, number, number, number]; irisRadius: number } {
  const { width: w, height: h } = img;
  const mask = new Uint8Array(w * h);
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  const mark = (x: number, y: number) => {
    mask[y * w + x] = 1;
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  };
  let irisRadius = 0;
  for (const [centre, ...rim] of IRISES) {
    const [cx, cy] = mesh[centre];
    const radius = (rim.reduce((s, i) => s + Math.hypot(mesh[i][0] - cx, mesh[i][1] - cy), 0) / rim.length) * 1.3;
    irisRadius = Math.max(irisRadius, radius / 1.3);
    for (let y = Math.max(0, Math.floor(cy - radius)); y <= Math.min(h - 1, Math.ceil(cy + radius)); y++) {
      for (let x = Math.max(0, Math.floor(cx - radius)); x <= Math.min(w - 1, Math.ceil(cx + radius)); x++) if (Math.hypot(x - cx, y - cy) <= radius) mark(x, y);
    }
  }
  for (const { outline, inner, outer } of EYES) {
    const [ix, iy] = mesh[inner], [ox, oy] = mesh[outer];
    const len2 = (ox - ix) ** 2 + (oy - iy) ** 2;
    if (len2 < 1) continue;
    const hard = new Uint8Array(w * h);
    fillPolygon(hard, w, h, outline.map((i) => mesh[i]));
    // Grown a little: on a small or turned face the mesh's eye can sit a few pixels off the real one.
    const eye = dilate(hard, w, h, Math.max(1, Math.round(Math.sqrt(len2) * 0.1)));
    for (let i = 0; i < eye.length; i++) {
      if (!eye[i]) continue;
      const x = i % w, y = (i - x) / w;
      // Position along the eye, 0 at the inner corner, 1 at the outer one.
      if (((x - ix) * (ox - ix) + (y - iy) * (oy - iy)) / len2 > 0.1) mark(x, y);
    }
  }
  return { mask, box: [x0, y0, x1, y1], irisRadius };
}

/** The reference with red pupils darkened, or the same image when it has none (no copy is made). */
export function withoutRedEye(img: RgbImage, mesh: readonly Point[]): RgbImage {
  if (mesh.length < 478) return img;
  // Work in a rectangle around the eyes: a reference may be a large photo.
  const eyePoints = [...RIGHT_EYE, ...LEFT_EYE, ...IRISES.flat()].map((i) => mesh[i]);
  const span = Math.hypot(mesh[33][0] - mesh[263][0], mesh[33][1] - mesh[263][1]);
  const roi = roiAround(eyePoints, span * 0.15 + 4, img.width, img.height);
  const [rx0, ry0, rx1, ry1] = roi;
  if (rx1 - rx0 < 2 || ry1 - ry0 < 2) return img;
  const crop: RgbImage = { data: cropPixels(img.data, img.width, img.channels, roi), width: rx1 - rx0, height: ry1 - ry0, channels: img.channels };
  const cleaned = cleanPupils(crop, mesh.map(([x, y]) => [x - rx0, y - ry0] as Point));
  if (!cleaned) return img;
  const data = Uint8Array.from(img.data);
  pastePixels(data, img.width, img.channels, cleaned, roi);
  return { ...img, data };
}

/** The crop's pixels with red pupils darkened, or undefined when there are none. */
function cleanPupils(img: RgbImage, mesh: readonly Point[]): Uint8Array | undefined {
  const ch = img.channels;
  const { mask, box: [x0, y0, x1, y1], irisRadius } = pupilArea(img, mesh);
  const w = img.width;
  const at = (x: number, y: number) => (y * w + x) * ch;
  const t = new Float32Array(w * img.height);
  let any = false;
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    const k = at(x, y);
    if (mask[y * w + x]) t[y * w + x] = redness(img.data[k], img.data[k + 1], img.data[k + 2]);
    any ||= t[y * w + x] > 0;
  }
  if (!any) return undefined;
  // The pupil's rim, where its red mixes with the iris's brown, and its catch-light, pink from the red
  // around it: within half an iris radius of a clear red-eye pixel only the red over green and blue counts.
  const halo = Float32Array.from(t);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    if (!mask[y * w + x]) continue;
    let near = 0;
    const r = Math.max(2, Math.round(irisRadius * 0.5));
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
      const [nx, ny] = [x + dx, y + dy];
      if (nx >= x0 && nx <= x1 && ny >= y0 && ny <= y1) near = Math.max(near, t[ny * w + nx]);
    }
    if (near > 0.5) {
      const k = at(x, y);
      halo[y * w + x] = Math.max(t[y * w + x], redOverGreenBlue(img.data[k] + 8, img.data[k + 1], img.data[k + 2]));
    }
  }
  const out = Uint8Array.from(img.data);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    const a = halo[y * w + x];
    if (a <= 0) continue;
    const k = at(x, y);
    out[k] = Math.round(out[k] * (1 - a) + ((out[k + 1] + out[k + 2]) / 2) * a);
  }
  return out;
}
