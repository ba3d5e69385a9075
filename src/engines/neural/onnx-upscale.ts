/**
 * Enhance x2/x4 with an operator-installed Real-ESRGAN (`darkroom models pull realesrgan-x4` /
 * `realesrgan-x2`) on onnxruntime-node, through the same tiling as the shipped ESRGAN (upscale.ts):
 * overlapping tiles with thrown-away context across the pool's workers, one band of floats blended
 * at a time, each tile back-projected onto its input in the worker.
 */
import type { WorkerPool } from '../engine.js';
import { presentModels } from '../models/select.js';
import { siblingModule } from '../runtime/pool.js';
import type { OnnxUpscaleTileArgs } from './onnx-upscale-kernel.js';
import { DEFAULT_PAD, tiledUpscale } from './upscale.js';
import type { RawImage } from '../image-io.js';

const KERNEL = siblingModule(import.meta.url, 'onnx-upscale-kernel');

/**
 * 192 px tiles (208² with context): RRDB's last layers run 64 channels at the output size. Measured on
 * an RRDB-shaped x4 model: ORT holds ~0.85 GB per worker at 208², ~1.45 GB at 272² (256 px tiles) for
 * the same time per output pixel, while 144² (128 px) costs ~1.3× more time per pixel.
 */
export const REALESRGAN_TILE = 192;

export interface RealEsrganPlan {
  model: string;
  /** The model's own factor. */
  modelScale: number;
  /** Model runs per tile: an x2 model runs twice for x4. */
  passes: number;
}

const scales = new Map<string, Promise<number>>();

/** A model's factor, probed once per process in a pool worker (which also loads it there). */
function modelScale(pool: WorkerPool, name: string, modelsDir: string, signal?: AbortSignal): Promise<number> {
  const key = `${modelsDir}\0${name}`;
  let p = scales.get(key);
  if (!p) {
    p = pool.run<number>(KERNEL, 'realEsrganScale', { name, modelsDir }, { signal });
    p.catch(() => scales.delete(key));
    scales.set(key, p);
  }
  return p;
}

/** Whether a Real-ESRGAN model is installed (presence only; loading verifies its checksum). */
export function realEsrganPresent(modelsDir: string): boolean {
  return presentModels('super-resolution', modelsDir, ['realesrgan']).length > 0;
}

/**
 * Which installed Real-ESRGAN serves `scale`: a model of exactly that factor (best ranked first),
 * else a larger one whose output is shrunk by a block average (x4 for x2), else a smaller one run
 * repeatedly (x2 twice for x4). Undefined when none is installed.
 */
export async function planRealEsrgan(pool: WorkerPool, modelsDir: string, scale: 2 | 4, signal?: AbortSignal): Promise<RealEsrganPlan | undefined> {
  const present = presentModels('super-resolution', modelsDir, ['realesrgan']);
  if (present.length === 0) return undefined;
  const found = await Promise.all(present.map(async (m) => ({ model: m.name, modelScale: await modelScale(pool, m.name, modelsDir, signal) })));
  const exact = found.find((m) => m.modelScale === scale);
  if (exact) return { ...exact, passes: 1 };
  const larger = found.find((m) => m.modelScale > scale && m.modelScale % scale === 0);
  if (larger) return { ...larger, passes: 1 };
  const m = found[0];
  let passes = 1;
  while (m.modelScale ** passes < scale) passes++;
  if (m.modelScale ** passes % scale !== 0) throw new Error(`${m.model} is x${m.modelScale}; it cannot make x${scale}`);
  return { ...m, passes };
}

/** Loads the installed models on every worker ahead of the first task; false when none is installed. */
export async function warmRealEsrgan(pool: WorkerPool, modelsDir: string): Promise<boolean> {
  const present = presentModels('super-resolution', modelsDir, ['realesrgan']);
  if (present.length === 0) return false;
  await Promise.all(present.flatMap((m) => Array.from({ length: pool.size }, () => pool.run(KERNEL, 'realEsrganScale', { name: m.name, modelsDir }))));
  return true;
}

export async function realEsrganUpscale(
  pool: WorkerPool,
  src: RawImage,
  plan: RealEsrganPlan,
  o: { modelsDir: string; scale: 2 | 4; signal: AbortSignal; onProgress?: (f: number) => void },
): Promise<RawImage> {
  const extra: Pick<OnnxUpscaleTileArgs, 'passes'> = { passes: plan.passes };
  return tiledUpscale(pool, src, {
    model: plan.model,
    modelsDir: o.modelsDir,
    scale: o.scale,
    tile: REALESRGAN_TILE,
    pad: DEFAULT_PAD,
    signal: o.signal,
    onProgress: o.onProgress,
    kernel: { module: KERNEL, fn: 'upscaleTileOnnx', args: extra },
  });
}
