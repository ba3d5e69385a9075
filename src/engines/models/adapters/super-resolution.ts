import type { InferenceSession } from 'onnxruntime-node';
import { interleavedBytes, planarFloat } from './tensors.js';

export interface SrImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/**
 * Real-ESRGAN (`realesrgan` signature): `input` float32 [1,3,h,w] RGB 0..1 → `output` float32
 * [1,3,s·h,s·w] RGB 0..1, s = 2 or 4 (read from the output). Runs tile by tile with `pad` pixels of
 * context on each side that are cut away afterwards, so memory stays bounded and seams do not show.
 */
export async function upscaleRealEsrgan(session: InferenceSession, img: SrImage, opts: { tile?: number; pad?: number } = {}): Promise<SrImage & { scale: number }> {
  const ort = await import('onnxruntime-node');
  const tile = opts.tile ?? 192;
  const pad = opts.pad ?? 8;
  const { width: W, height: H } = img;
  let scale = 0;
  let out = new Uint8Array(0);
  for (let ty = 0; ty < H; ty += tile) {
    for (let tx = 0; tx < W; tx += tile) {
      const x0 = Math.max(0, tx - pad), y0 = Math.max(0, ty - pad);
      const x1 = Math.min(W, tx + tile + pad), y1 = Math.min(H, ty + tile + pad);
      const w = x1 - x0, h = y1 - y0;
      const crop = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) crop.set(img.rgb.subarray(((y0 + y) * W + x0) * 3, ((y0 + y) * W + x1) * 3), y * w * 3);
      const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', planarFloat(crop, w * h, (v) => v / 255), [1, 3, h, w]) });
      const t = res[session.outputNames[0]];
      const s = Number(t.dims[3]) / w;
      if (!scale) {
        if (s !== 2 && s !== 4) throw new Error(`super-resolution model scaled ${w} px to ${t.dims[3]} px; expected 2x or 4x`);
        scale = s;
        out = new Uint8Array(W * scale * H * scale * 3);
      }
      const sw = w * scale, sh = h * scale;
      const up = interleavedBytes(t.data as Float32Array, sw * sh, (v) => v * 255);
      // Keep only the tile's own area, dropping the context border.
      const cx0 = (tx - x0) * scale, cy0 = (ty - y0) * scale;
      const cw = (Math.min(W, tx + tile) - tx) * scale, ch = (Math.min(H, ty + tile) - ty) * scale;
      for (let y = 0; y < ch; y++) {
        const src = ((cy0 + y) * sw + cx0) * 3;
        out.set(up.subarray(src, src + cw * 3), ((ty * scale + y) * W * scale + tx * scale) * 3);
      }
    }
  }
  return { rgb: out, width: W * scale, height: H * scale, scale };
}
