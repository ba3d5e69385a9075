import type { Sharp } from 'sharp';
import type { EngineConfig, WorkerPool } from '../engine.js';
import { EngineError, TaskAbortedError } from '../errors.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';

const KERNEL = kernelHandle<typeof import('./nsfw-kernel.js')>(siblingModule(import.meta.url, 'nsfw-kernel'));

/** Classes that block a request. "Sexy" is left out: the model gives it to clothed sport photos. */
export const BLOCKING_CLASSES = ['Porn', 'Hentai'] as const;

export interface NsfwVerdict {
  flagged: boolean;
  /** Probability of each class (Drawing, Hentai, Neutral, Porn, Sexy). */
  scores: Record<string, number>;
  /** Porn + Hentai, the value compared with the threshold. */
  explicit: number;
}

export interface NsfwOptions {
  modelsDir: string;
  threshold: number;
  signal?: AbortSignal;
}

/** Classifies an image in a pool worker (nsfwjs MobileNetV2) and flags it when Porn + Hentai >= threshold. */
export async function checkNsfw(pool: WorkerPool, image: Sharp, opts: NsfwOptions): Promise<NsfwVerdict> {
  const rgb = await image.clone().removeAlpha().resize(224, 224, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  let scores: Record<string, number>;
  try {
    scores = await KERNEL.run(pool, 'classifyNsfw', { modelsDir: opts.modelsDir, rgb: new Uint8Array(rgb) }, { signal: opts.signal });
  } catch (e) {
    if (e instanceof TaskAbortedError || opts.signal?.aborted) throw e;
    // The guard is on by default: a guard that cannot run is the pipeline's failure, not an internal crash.
    throw new EngineError('error_inference', 'the NSFW check could not run (its model failed to load); set engines.nsfw.enabled=false to run without it');
  }
  const explicit = BLOCKING_CLASSES.reduce((s, c) => s + (scores[c] ?? 0), 0);
  return { flagged: explicit >= opts.threshold, scores, explicit };
}

/** The input gate of a feature: throws `error_nsfw_content_detected` when enabled and flagged. */
export async function guardNsfw(deps: { config: EngineConfig; pool: WorkerPool }, image: Sharp, signal?: AbortSignal): Promise<void> {
  const { nsfw, modelsDir } = deps.config.engines;
  if (!nsfw.enabled) return;
  const v = await checkNsfw(deps.pool, image, { modelsDir, threshold: nsfw.threshold, signal });
  if (v.flagged) throw new EngineError('error_nsfw_content_detected', `the source image was classified as explicit (score ${v.explicit.toFixed(2)} >= ${nsfw.threshold})`);
}

export async function warmNsfw(pool: WorkerPool, modelsDir: string): Promise<void> {
  await KERNEL.run(pool, 'warmNsfw', { modelsDir });
}
