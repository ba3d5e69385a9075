/**
 * Enhance x2/x4 with an operator-installed Real-ESRGAN (`darkroom models pull realesrgan-x4` /
 * `realesrgan-x2`) on onnxruntime-node, through the same tiling as the shipped ESRGAN (upscale.ts):
 * overlapping tiles with thrown-away context across the pool's workers, one band of floats blended
 * at a time, each tile back-projected onto its input in the worker.
 */
import type { WorkerPool } from '../engine.js';
import { kernelHandle } from '../kernel.js';
import { presentModels } from '../models/select.js';
import { siblingModule } from '../runtime/pool.js';
import type { SrModelInfo } from '../models/adapters/super-resolution.js';
import { DEFAULT_PAD, tiledUpscale } from './upscale.js';
import type { RawImage } from '../image-io.js';

const KERNEL = kernelHandle<typeof import('./onnx-upscale-kernel.js')>(siblingModule(import.meta.url, 'onnx-upscale-kernel'));

/**
 * 192 px tiles (208² with context) for exports of dynamic size: RRDB's last layers run 64 channels at
 * the output size. Measured on an RRDB-shaped x4 model: ORT holds ~0.85 GB per worker at 208², ~1.45 GB
 * at 272² (256 px tiles) for the same time per output pixel, while 144² (128 px) costs ~1.3× more time
 * per pixel. An export of fixed size gets tiles that fill its input exactly.
 */
export const REALESRGAN_TILE = 192;

export interface RealEsrganPlan {
  model: string;
  /** The model's own factor. */
  modelScale: number;
  /** Model runs per tile: an x2 model runs twice for x4. */
  passes: number;
  /** Tile side in input pixels (context excluded). */
  tile: number;
  /** Set when a better-ranked model was passed over for the photo's size: which, and its limit. */
  why?: string;
}

/** A model's factor and fixed input side, by model name and folder. */
export type SrModelInfos = (name: string, modelsDir: string, signal?: AbortSignal) => Promise<SrModelInfo>;

/**
 * Reads each model's info once for the engine that owns the lookup, in a pool worker (which also
 * loads the model there); a failed read is tried again next time.
 */
export function srModelInfos(pool: WorkerPool): SrModelInfos {
  const infos = new Map<string, Promise<SrModelInfo>>();
  return (name, modelsDir, signal) => {
    const key = `${modelsDir}\0${name}`;
    let p = infos.get(key);
    if (!p) {
      p = KERNEL.run(pool, 'realEsrganInfo', { name, modelsDir }, { signal });
      p.catch(() => infos.delete(key));
      infos.set(key, p);
    }
    return p;
  };
}

/** Whether a Real-ESRGAN model is installed (presence only; loading verifies its checksum). */
export function realEsrganPresent(modelsDir: string): boolean {
  return presentModels('super-resolution', modelsDir, ['realesrgan']).length > 0;
}

const mp = (px: number) => (px >= 1e5 ? `${(px / 1e6).toFixed(1)} MP` : `${px} px`);

/**
 * Which installed Real-ESRGAN serves `scale` for a photo of `pixels`: among the models whose size
 * limit (`maxPixels` in the catalog, else `defaultMaxPixels`) admits the photo, best ranked first, a
 * model of exactly that factor, else a larger one whose output is shrunk by a block average (x4 for
 * x2), else a smaller one run repeatedly (x2 twice for x4). Undefined when none is installed or none
 * admits the photo.
 */
export async function planRealEsrgan(
  modelInfo: SrModelInfos,
  modelsDir: string,
  scale: 2 | 4,
  size: { pixels: number; defaultMaxPixels: number },
  signal?: AbortSignal,
): Promise<RealEsrganPlan | undefined> {
  const present = presentModels('super-resolution', modelsDir, ['realesrgan']);
  const limit = (m: (typeof present)[number]) => m.maxPixels ?? size.defaultMaxPixels;
  const fitting = present.filter((m) => size.pixels <= limit(m));
  if (fitting.length === 0) return undefined;
  const skipped = present.slice(0, present.indexOf(fitting[0]));
  const why = skipped.length ? `photo ${mp(size.pixels)} above ${skipped.map((m) => `${m.name}'s ${mp(limit(m))}`).join(', ')}` : undefined;
  const found = await Promise.all(fitting.map(async (m) => ({ model: m.name, info: await modelInfo(m.name, modelsDir, signal) })));
  const pick = found.find((m) => m.info.scale === scale) ?? found.find((m) => m.info.scale > scale && m.info.scale % scale === 0) ?? found[0];
  let passes = 1;
  while (pick.info.scale ** passes < scale) passes++;
  if (pick.info.scale ** passes % scale !== 0) throw new Error(`${pick.model} is x${pick.info.scale}; it cannot make x${scale}`);
  return { model: pick.model, modelScale: pick.info.scale, passes, tile: tileFor(pick.info, passes), ...(why ? { why } : {}) };
}

/** Tile side for a model: its fixed input (the last pass's input when it runs repeatedly) less the context. */
export function tileFor(info: SrModelInfo, passes: number): number {
  if (!info.fixedSide) return REALESRGAN_TILE;
  const side = Math.floor(info.fixedSide / info.scale ** (passes - 1)) - 2 * DEFAULT_PAD;
  if (side < 16) throw new Error(`the model's fixed ${info.fixedSide}² input leaves no room for tiles`);
  return side;
}

/** Loads the installed models on every worker ahead of the first task; false when none is installed. */
export async function warmRealEsrgan(pool: WorkerPool, modelsDir: string): Promise<boolean> {
  const present = presentModels('super-resolution', modelsDir, ['realesrgan']);
  if (present.length === 0) return false;
  await Promise.all(present.flatMap((m) => Array.from({ length: pool.size }, () => KERNEL.run(pool, 'realEsrganInfo', { name: m.name, modelsDir }))));
  return true;
}

export async function realEsrganUpscale(
  pool: WorkerPool,
  src: RawImage,
  plan: RealEsrganPlan,
  o: { modelsDir: string; scale: 2 | 4; signal: AbortSignal; onProgress?: (f: number) => void },
): Promise<RawImage> {
  return tiledUpscale(pool, src, {
    model: plan.model,
    modelsDir: o.modelsDir,
    scale: o.scale,
    tile: plan.tile,
    pad: DEFAULT_PAD,
    signal: o.signal,
    onProgress: o.onProgress,
    tileKernel: (p, args, opts) => KERNEL.run(p, 'upscaleTileOnnx', { ...args, passes: plan.passes }, opts),
  });
}
