/** Worker-side matting: ISNet (imgly "medium") on onnxruntime-node at 1024x1024. */
import os from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { modelSpec } from '../models/catalog.js';
import { createOnnxSession } from '../models/onnx.js';

export const MATTE_SIZE = 1024;
let session: Promise<InferenceSession> | undefined;

function loadSession(modelsDir: string, fast: boolean): Promise<InferenceSession> {
  // The only session in its thread (matting has a thread of its own): one inference uses every core.
  // Fast (a roomy memory budget): full graph optimisation with its layout transforms, and the CPU
  // arena keeping activations for the next run; the session then holds ~1.4 GB instead of ~0.3 GB.
  // It also runs the float16 export in float32: 'all' keeps float32 weights anyway, and the ~110
  // casts of whole activations it otherwise leaves between layers go (~12 % faster).
  // Lean: 'extended' (half-precision weights, no repacked copy) and activations freed after each run.
  // The mattes differ by at most 1 level in 255 (docs/notes/reliability.md).
  session ??= createOnnxSession(modelSpec('isnet-medium'), modelsDir, {
    intraOpNumThreads: os.availableParallelism(),
    releaseBetweenRuns: !fast,
    graphOptimizationLevel: fast ? 'all' : 'extended',
    widenFloat16: fast,
  });
  session.catch(() => (session = undefined));
  return session;
}

/** The model was trained on (x - 128) / 256 in planar RGB: the 256 values, exact in float32. */
const NORMALISED = Float32Array.from({ length: 256 }, (_, v) => (v - 128) / 256);
/**
 * The fast session's input buffer, filled again by each run (a fresh 12 MB one was mapped and
 * faulted in each time); the lean session's callers are short of memory, so it is not kept there.
 */
let keptInput: Float32Array | undefined;

function planarInput(rgb: Uint8Array, keep: boolean): Float32Array {
  const n = MATTE_SIZE * MATTE_SIZE;
  const r = keep ? (keptInput ??= new Float32Array(3 * n)) : new Float32Array(3 * n);
  if (!keep) keptInput = undefined;
  const g = r.subarray(n, 2 * n);
  const b = r.subarray(2 * n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    r[i] = NORMALISED[rgb[j]];
    g[i] = NORMALISED[rgb[j + 1]];
    b[i] = NORMALISED[rgb[j + 2]];
  }
  return r;
}

export interface MatteArgs {
  modelsDir: string;
  /** Keep the fast, larger session (the memory budget has room for it). */
  fast: boolean;
  /** MATTE_SIZE x MATTE_SIZE RGB bytes. */
  rgb: Uint8Array;
}

/** Foreground probability per pixel (0 background .. 255 foreground), MATTE_SIZE squared bytes. */
export async function predictMatte(a: MatteArgs): Promise<Uint8Array> {
  const net = await loadSession(a.modelsDir, a.fast);
  const ort = await import('onnxruntime-node');
  const n = MATTE_SIZE * MATTE_SIZE;
  if (a.rgb.length !== n * 3) throw new Error(`expected ${MATTE_SIZE}x${MATTE_SIZE} RGB input`);
  const planar = planarInput(a.rgb, a.fast);
  const input = new ort.Tensor('float32', planar, [1, 3, MATTE_SIZE, MATTE_SIZE]);
  // Fetch only the final matte; the model also exposes its side outputs.
  const out = await net.run({ [net.inputNames[0]]: input }, [net.outputNames[0]]);
  input.dispose();
  const result = out[net.outputNames[0]];
  const prob = result.data as Float32Array;
  const matte = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = prob[i] * 255;
    matte[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  // Native output buffers (the side outputs too) are freed now rather than at the next GC.
  for (const t of Object.values(out)) t.dispose();
  return matte;
}

export async function warmMatte(a: { modelsDir: string; fast: boolean }): Promise<void> {
  await loadSession(a.modelsDir, a.fast);
}
