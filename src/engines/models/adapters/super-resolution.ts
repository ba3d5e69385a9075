import type { InferenceSession } from 'onnxruntime-node';

/** An RGB image as interleaved floats in 0..255 (one tile, not a whole photo). */
export interface SrTile {
  data: Float32Array;
  width: number;
  height: number;
}

/**
 * Real-ESRGAN (`realesrgan` signature): `input` float32 [1,3,h,w] RGB 0..1 → `output` float32
 * [1,3,s·h,s·w] RGB 0..1, s = 2 or 4 (read from the output). Runs one tile; the caller tiles (see
 * neural/upscale.ts). The x2plus export folds 2×2 pixels into channels before its body (pixel
 * unshuffle), so its input sides must be even: an odd side is padded by repeating the last row or
 * column and the padding is cut from the output.
 */
export async function realEsrganTile(session: InferenceSession, rgb: ArrayLike<number>, width: number, height: number): Promise<SrTile & { scale: number }> {
  const ort = await import('onnxruntime-node');
  const w = width + (width & 1);
  const h = height + (height & 1);
  const n = w * h;
  const planar = new Float32Array(3 * n);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(y, height - 1);
    for (let x = 0; x < w; x++) {
      const s = (sy * width + Math.min(x, width - 1)) * 3;
      const p = y * w + x;
      planar[p] = rgb[s] / 255;
      planar[n + p] = rgb[s + 1] / 255;
      planar[2 * n + p] = rgb[s + 2] / 255;
    }
  }
  const input = new ort.Tensor('float32', planar, [1, 3, h, w]);
  const res = await session.run({ [session.inputNames[0]]: input });
  input.dispose();
  const t = res[session.outputNames[0]];
  const scale = Number(t.dims[3]) / w;
  if ((scale !== 2 && scale !== 4) || Number(t.dims[2]) !== h * scale) {
    for (const o of Object.values(res)) o.dispose();
    throw new Error(`super-resolution model turned ${w}x${h} into ${t.dims[3]}x${t.dims[2]}; expected 2x or 4x`);
  }
  const out = t.data as Float32Array;
  const W = w * scale;
  const N = W * h * scale;
  const ow = width * scale;
  const oh = height * scale;
  const data = new Float32Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const p = y * W + x;
      const o = (y * ow + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = out[c * N + p] * 255;
        data[o + c] = v <= 0 ? 0 : v >= 255 ? 255 : v;
      }
    }
  }
  for (const o of Object.values(res)) o.dispose();
  return { data, width: ow, height: oh, scale };
}
