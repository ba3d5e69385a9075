/**
 * Worker-side super resolution: runs one padded tile through a shipped ESRGAN model, translated from
 * its tfjs layers format to ONNX (esrgan-onnx.ts) and run on onnxruntime's native kernels (~3× faster
 * than tfjs on WebAssembly, same output).
 */
import type { InferenceSession } from 'onnxruntime-node';
import { modelSpec } from '../models/catalog.js';
import { requireModel } from '../models/resolve.js';
import { backProject, cubicUpscale, keptBytes } from './backproject.js';
import { esrganToOnnx, INPUT, OUTPUT } from './esrgan-onnx.js';

const loaded = new Map<string, Promise<InferenceSession>>();

/** One session per model per worker thread, on one core: the pool's workers run tiles side by side. */
export function loadUpscaler(model: string, modelsDir: string, roomy = false): Promise<InferenceSession> {
  // A model the catalog marks lean never keeps the arena (its convolutions, not allocation, dominate).
  const fast = roomy && !modelSpec(model).leanSession;
  const key = `${model}\0${fast}`;
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      const resolved = await requireModel(modelSpec(model), modelsDir);
      const ort = await import('onnxruntime-node');
      // Lean (a tight budget): activations are freed after each tile instead of kept in ORT's arena,
      // so a warm session holds 40 MB instead of 287 MB per worker (measured at 272² tiles). Fast (a
      // roomy budget) keeps the arena: with the server's malloc settings (mmap above 1 MB) every
      // freed activation is a fresh mapping to fault in again on the next tile, and enhance x2 at
      // 1024 px took 15–17 s through the server against 3.3 s without those settings.
      return ort.InferenceSession.create(await esrganToOnnx(resolved.dir, { valueScale: resolved.spec.outputScale === 255 ? 255 : 1 }), {
        executionProviders: ['cpu'],
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        ...(fast ? {} : { enableCpuMemArena: false, enableMemPattern: false }),
      });
    })();
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

export interface UpscaleTileArgs {
  model: string;
  modelsDir: string;
  /** Keep ORT's arena between tiles (the memory budget has room). */
  fast?: boolean;
  scale: number;
  /** Padded input region, RGB interleaved. */
  data: Uint8Array;
  width: number;
  height: number;
  /** The part of the region to return (input pixels); the rest is context that is thrown away. */
  keep: { x: number; y: number; w: number; h: number };
}

/**
 * How much of the network's own detail (its difference from a cubic enlargement) is kept before
 * back-projection. The slim ESRGAN's detail is partly invented: at 0.7, PSNR over a centre-aligned
 * cubic rose on every photo set measured (shared bench photos +0.52 → +0.55 dB median, other shared
 * photos +0.59 → +0.61, native-scale crops +0.83 → +0.88), and on a smooth grainy gradient, where
 * any invented detail is wrong, the loss halved (−0.31 → −0.16 dB). 0.5 was no better on photos.
 * The PSNR-trained x2 (psnr-small) wants it too: with its full detail (1.0) the median over the cubic
 * falls 0.1–0.36 dB on each of the four photo sets and rises only on the made scenes (+0.2).
 */
export const NET_DETAIL = 0.7;

/**
 * Returns the kept part of the upscaled region: (keep.w*scale) x (keep.h*scale) RGB bytes. The
 * whole padded region is back-projected onto its input before the context is thrown away, so the
 * correction near the kept border sees real neighbours.
 */
export async function upscaleTile(a: UpscaleTileArgs): Promise<Uint8Array> {
  const net = await loadUpscaler(a.model, a.modelsDir, a.fast);
  const { Tensor } = await import('onnxruntime-node');
  const S = a.scale;
  const result = await net.run({ [INPUT]: new Tensor('float32', Float32Array.from(a.data), [1, a.height, a.width, 3]) });
  const up = result[OUTPUT].data as Float32Array;
  const cubic = cubicUpscale(Float32Array.from(a.data), a.width, a.height, 3, S);
  for (let i = 0; i < up.length; i++) up[i] = cubic[i] + NET_DETAIL * (up[i] - cubic[i]);
  backProject(up, a.data, a.width, a.height, S);
  return keptBytes(up, a.width * S, a.keep, S);
}

/** Loads the models ahead of the first task, and runs each once at the tile's size (ORT plans its memory on the first run). */
export async function warmUpscaler(a: { models: string[]; modelsDir: string; tile: number; fast?: boolean }): Promise<void> {
  const { Tensor } = await import('onnxruntime-node');
  for (const m of a.models) {
    const net = await loadUpscaler(m, a.modelsDir, a.fast);
    await net.run({ [INPUT]: new Tensor('float32', new Float32Array(a.tile * a.tile * 3), [1, a.tile, a.tile, 3]) });
  }
}
