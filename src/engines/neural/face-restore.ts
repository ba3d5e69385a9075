/**
 * Face restoration for enhance with an operator-installed GFPGAN (`darkroom models pull gfpgan-1.4`):
 * faces found by the shared face detection are aligned onto GFPGAN's 512² template by a similarity
 * transform of their 5 landmarks, restored, and blended back through the inverse transform with a
 * feathered elliptical mask at half strength, so the photo's own face still shows through the
 * network's. No face found → the image is returned untouched.
 *
 * The similarity fit is face-swap's (src/engines/face/align.ts); the crop and paste here differ from
 * its own on purpose: edges repeat instead of black (GFPGAN is trained on FFHQ crops with no black
 * borders) and the paste blends at a strength.
 */
import type { Logger } from 'pino';
import sharp from 'sharp';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { WorkerPool } from '../engine.js';
import { TaskAbortedError, throwIfAborted } from '../errors.js';
import { boxBlur } from '../box-blur.js';
import { applySimilarity, fitSimilarity, fivePoints, invertSimilarity, type Similarity } from '../face/align.js';
import { analyzeFaces } from '../face/analysis.js';
import type { RawImage } from '../image-io.js';
import { GFPGAN_SIZE } from '../models/adapters/face.js';
import { bestModel } from '../models/select.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import type { RestoreCropArgs } from './face-restore-kernel.js';

type Point = [number, number];

const KERNEL = kernelHandle<typeof import('./face-restore-kernel.js')>(siblingModule(import.meta.url, 'face-restore-kernel'));

/**
 * Where GFPGAN expects the subject's right eye, left eye, nose tip, right and left mouth corners in
 * its 512² crop: facexlib's FFHQ template, which GFPGAN's own inference aligns faces to.
 */
export const GFPGAN_TEMPLATE: readonly Point[] = [
  [192.98138, 239.94708],
  [318.90277, 240.1936],
  [256.63416, 314.01935],
  [201.26117, 371.41043],
  [313.08905, 371.15118],
];

export const FACE_RESTORE = {
  /** Share of the restored face in the result: the GAN's face is a guess, the photo's is evidence. */
  strength: 0.5,
  /**
   * Faces larger than this many output pixels per crop pixel are left alone: their restoration would
   * be enlarged on the way back and soften a face that already has the detail.
   */
  maxEnlargement: 2,
  /** Input eye distance (px) below which the landmarks are too coarse to align by. */
  minEyeDistance: 10,
  /**
   * RMS distance of the 5 aligned landmarks from the template, over the template's eye distance,
   * above which the face is too turned (or mis-detected) for a frontal model. Measured on the shared
   * photos: frontal and three-quarter faces 0.10–0.17, a profile 0.25.
   */
  maxAlignmentError: 0.22,
  /** Head yaw (degrees) beyond which a face is left alone, whatever the fit says. */
  maxYaw: 45,
  /**
   * Faces are found on the input shrunk to this long side at most: the detector works on small views
   * anyway, and a 4096² input would otherwise cross to the worker as a 200 MB int32 tensor.
   */
  detectMaxSide: 2048,
  /** The pasted ellipse in crop pixels, and the share of its radius that is fully restored. */
  ellipse: { cx: 256, cy: 286, rx: 172, ry: 214, solid: 0.75 },
} as const;

/** RMS distance of `from` mapped by `s` from `to`, in `to`'s units. */
export function fitError(s: Similarity, from: readonly Point[], to: readonly Point[]): number {
  let se = 0;
  for (let i = 0; i < from.length; i++) {
    const [x, y] = applySimilarity(s, from[i]);
    se += (x - to[i][0]) ** 2 + (y - to[i][1]) ** 2;
  }
  return Math.sqrt(se / from.length);
}

const TEMPLATE_EYES = Math.hypot(GFPGAN_TEMPLATE[1][0] - GFPGAN_TEMPLATE[0][0], GFPGAN_TEMPLATE[1][1] - GFPGAN_TEMPLATE[0][1]);

/** Scale factor of a similarity (destination pixels per source pixel). */
export const similarityScale = (s: Similarity) => Math.hypot(s.a, s.b);

/** Bilinear sample of channel c at continuous pixel-centre coordinates (edges repeated). */
function sample(img: ArrayLike<number>, w: number, h: number, C: number, x: number, y: number, c: number): number {
  const cx = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const cy = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.floor(cx), y0 = Math.floor(cy);
  const x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
  const fx = cx - x0, fy = cy - y0;
  const top = img[(y0 * w + x0) * C + c] * (1 - fx) + img[(y0 * w + x1) * C + c] * fx;
  const bottom = img[(y1 * w + x0) * C + c] * (1 - fx) + img[(y1 * w + x1) * C + c] * fx;
  return top + (bottom - top) * fy;
}

/** The aligned square crop: crop pixel (u, v) shows the image at toCrop⁻¹(u, v). */
export function alignedCrop(img: RawImage, toCrop: Similarity, size = GFPGAN_SIZE): Uint8Array {
  const back = invertSimilarity(toCrop);
  const C = img.channels;
  const out = new Uint8Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const [x, y] = applySimilarity(back, [u + 0.5, v + 0.5]);
      for (let c = 0; c < 3; c++) out[(v * size + u) * 3 + c] = Math.round(sample(img.data, img.width, img.height, C, x - 0.5, y - 0.5, c));
    }
  }
  return out;
}

/** Paste weight at crop position (u, v): 1 inside the solid part of the ellipse, easing to 0 at its rim. */
function ellipseWeight(u: number, v: number): number {
  const e = FACE_RESTORE.ellipse;
  const r = Math.hypot((u - e.cx) / e.rx, (v - e.cy) / e.ry);
  if (r <= e.solid) return 1;
  if (r >= 1) return 0;
  const t = (1 - r) / (1 - e.solid);
  return t * t * (3 - 2 * t);
}

/**
 * Blends a restored crop into `img` in place through the inverse alignment. Only pixels whose crop
 * position falls inside the feathered ellipse change. Returns how many pixels changed weight > 0.
 */
export async function pasteRestored(img: RawImage, restored: Uint8Array, toCrop: Similarity, strength: number, size = GFPGAN_SIZE): Promise<number> {
  const back = invertSimilarity(toCrop);
  const e = FACE_RESTORE.ellipse;
  // The ellipse's bounding box, mapped to the image.
  const corners = ([[e.cx - e.rx, e.cy - e.ry], [e.cx + e.rx, e.cy - e.ry], [e.cx - e.rx, e.cy + e.ry], [e.cx + e.rx, e.cy + e.ry]] as Point[]).map((p) => applySimilarity(back, p));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[0])))), x1 = Math.min(img.width, Math.ceil(Math.max(...corners.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[1])))), y1 = Math.min(img.height, Math.ceil(Math.max(...corners.map((p) => p[1]))));
  const C = img.channels;
  // Crop pixels per image pixel (s): from 2.5 on, the restoration is box-averaged over about one image
  // pixel's footprint (2r+1 within s − 0.5 .. s + 1.5) before it is sampled, so the network's fine
  // texture does not alias into speckle.
  const r = Math.max(0, Math.floor(similarityScale(toCrop) / 2 - 0.25));
  const src: ArrayLike<number> = r > 0 ? boxBlur(Float32Array.from(restored), size, size, 3, r) : restored;
  let touched = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const [u, v] = applySimilarity(toCrop, [x + 0.5, y + 0.5]);
      const w = ellipseWeight(u, v) * strength;
      if (w <= 0) continue;
      touched++;
      const o = (y * img.width + x) * C;
      for (let c = 0; c < 3; c++) {
        const val = img.data[o + c] + w * (sample(src, size, size, 3, u - 0.5, v - 0.5, c) - img.data[o + c]);
        img.data[o + c] = val <= 0 ? 0 : val >= 255 ? 255 : Math.round(val);
      }
    }
    // Pasting runs on the API's thread: a large face at x4 covers millions of pixels.
    if ((y - y0) % 128 === 127) await yieldToEventLoop();
  }
  return touched;
}

/**
 * GFPGAN runs in one thread of the engine pool: its session is large and one inference already uses
 * every core, so a second thread would double the footprint for no gain (as matting, neural/matte.ts).
 */
const RESTORING = { threads: 1 };

/** The installed GFPGAN model's name, if any (presence only; loading verifies its checksum). */
export function faceRestoreModel(modelsDir: string): string | undefined {
  return bestModel('face-restore', modelsDir, ['gfpgan'])?.name;
}

export interface FaceRestoreOptions {
  model: string;
  modelsDir: string;
  signal: AbortSignal;
  log?: Logger;
  /** Runs GFPGAN on one aligned crop; defaults to the model in its thread of `pool`. */
  restore?: (crop: Uint8Array) => Promise<Uint8Array>;
}

/**
 * Restores the faces of `out` (the enhanced image, `scale` × `input`) in place. Faces are found on
 * the smaller `input` (shrunk further beyond `detectMaxSide`) and their landmarks scaled. Returns
 * the number of faces restored.
 */
export async function restoreFaces(pool: WorkerPool, input: RawImage, out: RawImage, scale: number, o: FaceRestoreOptions): Promise<number> {
  const shrink = Math.min(1, FACE_RESTORE.detectMaxSide / Math.max(input.width, input.height));
  let seen = input;
  if (shrink < 1) {
    const w = Math.max(1, Math.round(input.width * shrink)), h = Math.max(1, Math.round(input.height * shrink));
    const data = await sharp(input.data, { raw: { width: input.width, height: input.height, channels: input.channels } }).resize(w, h, { fit: 'fill' }).raw().toBuffer();
    seen = { data, width: w, height: h, channels: input.channels };
  }
  const analysis = await analyzeFaces(pool, seen, o.signal);
  // From detection pixels to output pixels (per axis: the shrink rounds each side).
  const fx = (scale * input.width) / seen.width, fy = (scale * input.height) / seen.height;
  const restore =
    o.restore ??
    ((crop: Uint8Array) => {
      const args: RestoreCropArgs = { model: { name: o.model, modelsDir: o.modelsDir }, crop };
      return KERNEL.run(pool, 'restoreCrop', args, { ...RESTORING, signal: o.signal, transferList: [crop.buffer as ArrayBuffer] });
    });
  let done = 0;
  for (const [i, face] of analysis.faces.entries()) {
    throwIfAborted(o.signal);
    const five = fivePoints(face);
    const eyes = Math.hypot(five[1][0] - five[0][0], five[1][1] - five[0][1]) / shrink;
    if (!(eyes >= FACE_RESTORE.minEyeDistance) || !(Math.abs(face.yaw) <= FACE_RESTORE.maxYaw)) continue;
    // Landmarks are continuous pixel coordinates: scaling them scales the face.
    const points: Point[] = five.map(([x, y]) => [x * fx, y * fy]);
    const toCrop = fitSimilarity(points, GFPGAN_TEMPLATE);
    if (fitError(toCrop, points, GFPGAN_TEMPLATE) / TEMPLATE_EYES > FACE_RESTORE.maxAlignmentError) {
      o.log?.debug?.({ face: i }, 'face restoration skipped: the landmarks do not fit a frontal face');
      continue;
    }
    if (1 / similarityScale(toCrop) > FACE_RESTORE.maxEnlargement) {
      o.log?.debug?.({ face: i }, 'face restoration skipped: the face is already larger than the model sees it');
      continue;
    }
    let restored: Uint8Array;
    try {
      restored = await restore(alignedCrop(out, toCrop));
    } catch (e) {
      if (o.signal.aborted) throw new TaskAbortedError();
      throw e;
    }
    await pasteRestored(out, restored, toCrop, FACE_RESTORE.strength);
    done++;
  }
  return done;
}
