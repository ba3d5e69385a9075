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

/**
 * Runs an inpainting network on a crop around the hole (at least 512 px of context where the photo
 * allows), scaled to 512², and pastes the result back at full resolution inside the grown mask only,
 * feathered over the growth ring.
 */
export async function neuralInpaint(pool: WorkerPool, modelPath: string, img: FullImage, grown: Uint8Array, alpha: Float32Array, signal: AbortSignal): Promise<Uint8Array> {
  const { width: w, height: h } = img;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (grown[y * w + x]) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  if (x1 < 0) return Uint8Array.from(img.rgb);
  const side = Math.min(Math.max(w, h), Math.max(NEURAL_SIZE, Math.round(Math.max(x1 - x0 + 1, y1 - y0 + 1) * 1.6)));
  const cw = Math.min(w, side), ch = Math.min(h, side);
  const cx = Math.max(0, Math.min(w - cw, Math.round((x0 + x1) / 2 - cw / 2)));
  const cy = Math.max(0, Math.min(h - ch, Math.round((y0 + y1) / 2 - ch / 2)));
  const S = NEURAL_SIZE;
  const full = sharp(Buffer.from(img.rgb.buffer, img.rgb.byteOffset, img.rgb.byteLength), { raw: { width: w, height: h, channels: 3 } });
  const cropRgb = await full.clone().extract({ left: cx, top: cy, width: cw, height: ch }).resize(S, S, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  const maskFull = Buffer.alloc(w * h);
  for (let i = 0; i < maskFull.length; i++) maskFull[i] = grown[i] ? 255 : 0;
  const cropMask = await sharp(maskFull, { raw: { width: w, height: h, channels: 1 } })
    .extract({ left: cx, top: cy, width: cw, height: ch }).resize(S, S, { fit: 'fill', kernel: 'nearest' }).toColourspace('b-w').raw().toBuffer();
  const hole = new Uint8Array(S * S);
  for (let i = 0; i < hole.length; i++) hole[i] = cropMask[i] > 0 ? 1 : 0;
  const model = refFromFile(modelPath);
  const signature = findSpec(model.name, model.modelsDir)?.signature;
  if (signature !== 'lama' && signature !== 'migan') throw new Error(`${modelPath} is not an inpainting model of the catalog`);
  const req: InpaintKernelRequest = { model, signature, rgb: new Uint8Array(cropRgb), hole, size: S };
  const out = await pool.run<Uint8Array>(MODEL_KERNELS, 'inpaintKernel', req, { signal });
  const back = await sharp(Buffer.from(out.buffer, out.byteOffset, out.byteLength), { raw: { width: S, height: S, channels: 3 } })
    .resize(cw, ch, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  const result = Uint8Array.from(img.rgb);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const gi = (y + cy) * w + x + cx;
      const a = alpha[gi];
      if (a <= 0) continue;
      const bi = (y * cw + x) * 3;
      for (let c = 0; c < 3; c++) result[gi * 3 + c] = Math.round(a * back[bi + c] + (1 - a) * img.rgb[gi * 3 + c]);
    }
  }
  return result;
}
