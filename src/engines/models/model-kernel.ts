/**
 * Model inference that runs inside pool worker threads (see `WorkerPool.run`): each function loads
 * its model once per worker through the one verified loader and applies the model's adapter.
 */
import { runInpaint, type InpaintInput } from './adapters/inpaint.js';
import { predictAb, recombineLab, type ColorizeSignature } from './adapters/colorize.js';
import { findSpec } from './local-catalog.js';
import { sessionFor, type ModelRef } from './onnx.js';

export interface InpaintKernelRequest extends InpaintInput {
  model: ModelRef;
  signature: 'lama' | 'migan';
}

export async function inpaintKernel(req: InpaintKernelRequest): Promise<Uint8Array> {
  return runInpaint(await sessionFor(req.model), req.signature, req, findSpec(req.model.name, req.model.modelsDir)?.outputScale);
}

export interface ColorizeKernelRequest {
  model: ModelRef;
  signature: ColorizeSignature;
  /** Full-resolution RGB. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** The photo resized to side², RGB: what the model sees. */
  small: Uint8Array;
  side: number;
}

export async function colorizeKernel(req: ColorizeKernelRequest): Promise<Uint8Array> {
  const ab = await predictAb(await sessionFor(req.model), req.signature, req.small, req.side);
  return recombineLab(req.rgb, req.width, req.height, ab, req.side);
}

/** The model's input side, read from its metadata (used before resizing the photo). */
export async function colorizeSideKernel(req: { model: ModelRef; signature: ColorizeSignature }): Promise<number> {
  const { colorizeSide } = await import('./adapters/colorize.js');
  return colorizeSide(await sessionFor(req.model), req.signature);
}
