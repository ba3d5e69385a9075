import sharp from 'sharp';
import type { WorkerPool } from '../engine.js';
import type { InpaintKernelRequest } from '../models/model-kernel.js';
import { findSpec } from '../models/local-catalog.js';
import { refFromFile } from '../models/refs.js';
import { INPAINT_SIZE } from '../models/adapters/inpaint.js';
import { MODEL_KERNELS } from '../models/kernel-module.js';

/** LaMa and MI-GAN are trained at 512 px. */
export const NEURAL_SIZE = INPAINT_SIZE;

export interface FullImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** Where the model's square lies over the photo: the in-photo crop and the mirrored padding that squares it. */
export interface InpaintWindow {
  /** The crop inside the photo. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Side of the square the crop is padded to (by mirroring its edges), before scaling to the model's size. */
  side: number;
  /** Where the crop sits inside that square. */
  padLeft: number;
  padTop: number;
}

/**
 * A square around the hole with at least 512 px of context where the photo allows (1.6× the hole's
 * larger side otherwise). Where the photo is narrower than that square, the crop is padded to a square
 * by mirroring rather than stretched: the network then sees the photo at one scale in both directions,
 * as it was trained (IOPaint pads the same way, symmetric, to the model's multiple).
 */
export function inpaintWindow(w: number, h: number, hole: { x0: number; y0: number; x1: number; y1: number }): InpaintWindow {
  const want = Math.max(NEURAL_SIZE, Math.round(Math.max(hole.x1 - hole.x0 + 1, hole.y1 - hole.y0 + 1) * 1.6));
  const side = Math.min(Math.max(w, h), want);
  const cw = Math.min(w, side), ch = Math.min(h, side);
  const x = Math.max(0, Math.min(w - cw, Math.round((hole.x0 + hole.x1) / 2 - cw / 2)));
  const y = Math.max(0, Math.min(h - ch, Math.round((hole.y0 + hole.y1) / 2 - ch / 2)));
  return { x, y, w: cw, h: ch, side, padLeft: (side - cw) >> 1, padTop: (side - ch) >> 1 };
}

/**
 * Runs an inpainting network on a square window around the hole (see `inpaintWindow`), scaled
 * uniformly to 512², and pastes the result back at full resolution inside the grown mask only,
 * feathered over the growth ring.
 */
export async function neuralInpaint(pool: WorkerPool, modelPath: string, img: FullImage, grown: Uint8Array, alpha: Float32Array, signal: AbortSignal): Promise<Uint8Array> {
  const { width: w, height: h } = img;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (grown[y * w + x]) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  if (x1 < 0) return Uint8Array.from(img.rgb);
  const win = inpaintWindow(w, h, { x0, y0, x1, y1 });
  const { x: cx, y: cy, w: cw, h: ch, side } = win;
  const pad = { top: win.padTop, left: win.padLeft, bottom: side - ch - win.padTop, right: side - cw - win.padLeft };
  const S = NEURAL_SIZE;
  const full = sharp(Buffer.from(img.rgb.buffer, img.rgb.byteOffset, img.rgb.byteLength), { raw: { width: w, height: h, channels: 3 } });
  // Two steps: sharp applies extend after resize within one pipeline.
  const squared = await full.clone().extract({ left: cx, top: cy, width: cw, height: ch }).extend({ ...pad, extendWith: 'mirror' }).raw().toBuffer();
  const cropRgb = await sharp(squared, { raw: { width: side, height: side, channels: 3 } }).resize(S, S, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  const maskFull = Buffer.alloc(w * h);
  for (let i = 0; i < maskFull.length; i++) maskFull[i] = grown[i] ? 255 : 0;
  // The mask is mirrored with the picture: a mirrored copy of hole pixels is hole too, never context.
  const squaredMask = await sharp(maskFull, { raw: { width: w, height: h, channels: 1 } })
    .extract({ left: cx, top: cy, width: cw, height: ch }).extend({ ...pad, extendWith: 'mirror' }).toColourspace('b-w').raw().toBuffer();
  const cropMask = await sharp(squaredMask, { raw: { width: side, height: side, channels: 1 } }).resize(S, S, { fit: 'fill', kernel: 'nearest' }).toColourspace('b-w').raw().toBuffer();
  const hole = new Uint8Array(S * S);
  for (let i = 0; i < hole.length; i++) hole[i] = cropMask[i] > 0 ? 1 : 0;
  const model = refFromFile(modelPath);
  const signature = findSpec(model.name, model.modelsDir)?.signature;
  if (signature !== 'lama' && signature !== 'migan') throw new Error(`${modelPath} is not an inpainting model of the catalog`);
  const req: InpaintKernelRequest = { model, signature, rgb: new Uint8Array(cropRgb), hole, size: S };
  const out = await MODEL_KERNELS.run(pool, 'inpaintKernel', req, { signal });
  const back = await sharp(Buffer.from(out.buffer, out.byteOffset, out.byteLength), { raw: { width: S, height: S, channels: 3 } })
    .resize(side, side, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  const result = Uint8Array.from(img.rgb);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const gi = (y + cy) * w + x + cx;
      const a = alpha[gi];
      if (a <= 0) continue;
      const bi = ((y + win.padTop) * side + x + win.padLeft) * 3;
      for (let c = 0; c < 3; c++) result[gi * 3 + c] = Math.round(a * back[bi + c] + (1 - a) * img.rgb[gi * 3 + c]);
    }
  }
  return result;
}
