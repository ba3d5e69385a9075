import type { InferenceSession } from 'onnxruntime-node';
import { inputSide } from '../onnx.js';

/** An RGB image as interleaved floats in 0..255 (one tile, not a whole photo). */
export interface SrTile {
  data: Float32Array;
  width: number;
  height: number;
}

/** What the tiling needs to know about a super-resolution model, read from the model itself. */
export interface SrModelInfo {
  scale: number;
  /** The input's fixed spatial side, when the export accepts one size only. */
  fixedSide?: number;
}

/**
 * Reads the factor and any fixed input size from the model. The factor comes from the declared
 * output shape when the export has static dims, else from one run: at the fixed side when there is
 * one (a fixed-shape export refuses any other), else at 64 px.
 */
export async function srModelInfo(session: InferenceSession): Promise<SrModelInfo> {
  const fixedSide = inputSide(session, session.inputNames[0]);
  const out = session.outputMetadata?.find((m) => m.name === session.outputNames[0]);
  const outSide = out && out.isTensor ? out.shape[3] : undefined;
  if (fixedSide && typeof outSide === 'number' && outSide > 0) return { scale: checkedScale(outSide / fixedSide, fixedSide, outSide), fixedSide };
  const probe = fixedSide ?? 64;
  const r = await realEsrganTile(session, new Uint8Array(probe * probe * 3).fill(128), probe, probe);
  return { scale: r.scale, ...(fixedSide ? { fixedSide } : {}) };
}

function checkedScale(scale: number, from: number, to: number): number {
  if (scale !== 2 && scale !== 4) throw new Error(`super-resolution model turns ${from} px into ${to} px; expected 2x or 4x`);
  return scale;
}

/**
 * Real-ESRGAN (`realesrgan` signature): `input` float32 [1,3,h,w] RGB 0..1 → `output` float32
 * [1,3,s·h,s·w] RGB 0..1, s = 2 or 4 (read from the output). Runs one tile; the caller tiles (see
 * neural/upscale.ts). The tile is padded by repeating its last row and column up to the model's
 * fixed input side when it has one (edge tiles are smaller), and to even sides otherwise (the x2plus
 * export folds 2×2 pixels into channels: pixel unshuffle); the padding is cut from the output.
 */
export async function realEsrganTile(session: InferenceSession, rgb: ArrayLike<number>, width: number, height: number): Promise<SrTile & { scale: number }> {
  const ort = await import('onnxruntime-node');
  const fixed = inputSide(session, session.inputNames[0]);
  if (fixed !== undefined && (width > fixed || height > fixed)) throw new Error(`tile ${width}x${height} is larger than the model's fixed ${fixed}x${fixed} input`);
  const w = fixed ?? width + (width & 1);
  const h = fixed ?? height + (height & 1);
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
