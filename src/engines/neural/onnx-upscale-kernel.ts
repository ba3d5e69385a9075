/** Worker-side Real-ESRGAN: one padded tile through an operator-installed ONNX model (see onnx-upscale.ts). */
import { realEsrganTile, srModelInfo, type SrModelInfo } from '../models/adapters/super-resolution.js';
import { sessionFor, type ModelRef } from '../models/onnx.js';
import { areaDownscale, backProject, keptBytes } from './backproject.js';
import type { UpscaleTileArgs } from './upscale-kernel.js';

function session(ref: ModelRef) {
  // ORT's arena stays on: measured on an RRDB-shaped x4 model at a 208² tile, freeing activations
  // after each run made every tile 2.6× slower (18.7 s vs 7.1 s for 4 blocks), for ~0.7 GB less held
  // per worker. The held memory is bounded by the tile, not the photo (docs/notes/neural.md).
  return sessionFor(ref);
}

export interface OnnxUpscaleTileArgs extends UpscaleTileArgs {
  /** How many times the model runs on the tile (2 when only an x2 model serves x4). */
  passes: number;
}

/**
 * Returns the kept part of the tile upscaled by `scale`: (keep.w·scale) × (keep.h·scale) RGB bytes.
 * The model runs `passes` times; an output larger than asked (an x4 model serving x2) is shrunk by
 * an exact block average; then the whole padded region is back-projected onto its input, so the
 * GAN's invented detail can never contradict the photo at its own resolution.
 */
export async function upscaleTileOnnx(a: OnnxUpscaleTileArgs): Promise<Uint8Array> {
  const net = await session({ name: a.model, modelsDir: a.modelsDir });
  let img: ArrayLike<number> = a.data;
  let w = a.width;
  let h = a.height;
  for (let p = 0; p < a.passes; p++) {
    const r = await realEsrganTile(net, img, w, h);
    img = r.data;
    w = r.width;
    h = r.height;
  }
  let up = img as Float32Array;
  const total = w / a.width;
  if (total !== a.scale) {
    if (total % a.scale !== 0) throw new Error(`model gave ${total}x, which does not reduce to ${a.scale}x`);
    up = areaDownscale(up, w, h, 3, total / a.scale);
  }
  backProject(up, a.data, a.width, a.height, a.scale);
  return keptBytes(up, a.width * a.scale, a.keep, a.scale);
}

/** Loads (and verifies) the model in this worker and returns its factor and any fixed input side. */
export async function realEsrganInfo(ref: ModelRef): Promise<SrModelInfo> {
  return srModelInfo(await session(ref));
}
