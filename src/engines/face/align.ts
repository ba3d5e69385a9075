/**
 * Five-point face alignment for the identity models: the mesh gives eye centres, nose tip and mouth
 * corners; a least-squares similarity transform maps them onto InsightFace's ArcFace template, and
 * crops are sampled (and pasted back) through it. Pixel coordinates have integer centres here, as in
 * the OpenCV code the templates were made with.
 */
import type { FaceInfo } from './analysis.js';
import { LEFT_EYE, RIGHT_EYE } from './mesh-regions.js';
import type { Point } from './raster.js';
import type { RgbImage } from './warp.js';

/**
 * InsightFace's ArcFace 112² template, in image order: the eye on the image's left (the subject's
 * right), the other eye, nose tip, the mouth corner on the image's left, the other corner.
 */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * The template for a crop of `size`: InsightFace scales it for multiples of 112 and otherwise keeps
 * the 112 scale and shifts it right by 8·size/128 (so inswapper's 128² crop is the 112 face, centred).
 */
export function templateFor(size: number): Point[] {
  const [ratio, dx] = size % 112 === 0 ? [size / 112, 0] : [size / 128, 8 * (size / 128)];
  return ARCFACE_TEMPLATE.map(([x, y]) => [x * ratio + dx, y * ratio]);
}

const mean = (f: FaceInfo, idx: readonly number[]): Point => {
  let x = 0, y = 0;
  for (const i of idx) (x += f.mesh[i][0]), (y += f.mesh[i][1]);
  return [x / idx.length, y / idx.length];
};

/** Mesh points of the mouth corners: 61 is the subject's right (the image's left on a frontal face). */
const MOUTH_RIGHT = 61, MOUTH_LEFT = 291, NOSE_TIP = 1;

/** The five alignment points of a face in the template's order (subject's right eye first). */
export function fivePoints(face: FaceInfo): Point[] {
  return [mean(face, RIGHT_EYE), mean(face, LEFT_EYE), face.mesh[NOSE_TIP], face.mesh[MOUTH_RIGHT], face.mesh[MOUTH_LEFT]].map(([x, y]) => [x, y]);
}

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty: rotation, uniform scale and shift, no shear. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** The similarity transform that maps `src` onto `dst` with the least squared error (closed form). */
export function fitSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new Error('a similarity fit needs at least two point pairs');
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) (sx += src[i][0]), (sy += src[i][1]), (dx += dst[i][0]), (dy += dst[i][1]);
  sx /= n; sy /= n; dx /= n; dy /= n;
  let ss = 0, pa = 0, pb = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i][0] - sx, y = src[i][1] - sy, u = dst[i][0] - dx, v = dst[i][1] - dy;
    ss += x * x + y * y;
    pa += x * u + y * v;
    pb += x * v - y * u;
  }
  if (ss < 1e-12) throw new Error('alignment points coincide');
  const a = pa / ss, b = pb / ss;
  return { a, b, tx: dx - a * sx + b * sy, ty: dy - b * sx - a * sy };
}

export function applySimilarity(m: Similarity, [x, y]: Point): Point {
  return [m.a * x - m.b * y + m.tx, m.b * x + m.a * y + m.ty];
}

export function invertSimilarity(m: Similarity): Similarity {
  const d = m.a * m.a + m.b * m.b;
  const a = m.a / d, b = -m.b / d;
  return { a, b, tx: -(a * m.tx - b * m.ty), ty: -(b * m.tx + a * m.ty) };
}

/** Bilinear sample of an interleaved image at (x, y); false outside the image (nothing written). */
function sampleInto(img: RgbImage, x: number, y: number, out: Uint8Array, o: number): boolean {
  const { width: w, height: h, channels: ch, data } = img;
  if (x < 0 || y < 0 || x > w - 1 || y > h - 1) return false;
  const ix = Math.min(w - 2, Math.floor(x)), iy = Math.min(h - 2, Math.floor(y));
  const fx = x - ix, fy = y - iy;
  const p = (iy * w + ix) * ch, q = p + w * ch;
  for (let c = 0; c < 3; c++) {
    const top = data[p + c] + (data[p + ch + c] - data[p + c]) * fx;
    const bottom = data[q + c] + (data[q + ch + c] - data[q + c]) * fx;
    out[o + c] = Math.round(top + (bottom - top) * fy);
  }
  return true;
}

/**
 * The size² RGB crop whose pixel (u, v) shows the photo at `toCrop`⁻¹(u, v); outside the photo it is
 * black, as InsightFace's crops are (the models were trained on that).
 */
export function alignedCrop(img: RgbImage, toCrop: Similarity, size: number): Uint8Array {
  const inv = invertSimilarity(toCrop);
  const out = new Uint8Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const [x, y] = applySimilarity(inv, [u, v]);
      sampleInto(img, x, y, out, (v * size + u) * 3);
    }
  }
  return out;
}

/** The crop's transform for a face: its five points fitted to the template of that crop size. */
export function alignmentFor(face: FaceInfo, size: number): Similarity {
  return fitSimilarity(fivePoints(face), templateFor(size));
}

/**
 * Writes a size² crop back into `into` (full-image RGB) through the inverse of `toCrop`, weighted per
 * pixel by `alpha` (0..255, full-image, e.g. a feathered face mask). Pixels where alpha is 0 or that
 * fall outside the crop keep their exact bytes.
 */
export function pasteAligned(into: Uint8Array, width: number, height: number, crop: Uint8Array, size: number, toCrop: Similarity, alpha: Uint8Array): void {
  const cropImg: RgbImage = { data: crop, width: size, height: size, channels: 3 };
  const px = new Uint8Array(3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const a = alpha[i];
      if (!a) continue;
      const [u, v] = applySimilarity(toCrop, [x, y]);
      if (!sampleInto(cropImg, u, v, px, 0)) continue;
      const k = a / 255;
      for (let c = 0; c < 3; c++) into[i * 3 + c] = Math.round(into[i * 3 + c] * (1 - k) + px[c] * k);
    }
  }
}

/** 255 where a full-image pixel maps inside the crop with `marginPx` to spare, else 0. */
export function cropCoverage(width: number, height: number, size: number, toCrop: Similarity, marginPx: number): Uint8Array {
  const m = new Uint8Array(width * height);
  const lo = marginPx, hi = size - 1 - marginPx;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = applySimilarity(toCrop, [x, y]);
      if (u >= lo && v >= lo && u <= hi && v <= hi) m[y * width + x] = 255;
    }
  }
  return m;
}
