import sharp from 'sharp';
import type { Logger } from 'pino';
import type { EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import type { RawImage } from '../image-io.js';
import { checkNsfw } from '../neural/nsfw.js';

/** True when a generated image must not be returned. */
export type NsfwCheck = (image: RawImage, signal: AbortSignal) => Promise<boolean>;

/** The neural area's classifier (nsfwjs in a pool worker), or none when config disables the guard. */
export function defaultNsfwCheck(deps: EngineDeps): NsfwCheck | undefined {
  const { nsfw, modelsDir } = deps.config.engines;
  if (!nsfw.enabled) return undefined;
  return async (image, signal) => {
    const img = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
    const v = await checkNsfw(deps.pool, img, { modelsDir, threshold: nsfw.threshold, signal });
    return v.flagged;
  };
}

/**
 * Generates with a fresh seed until the NSFW check passes: 1 + `retries` attempts, then
 * `exceed_nsfw_retry_limits`. Backend errors are not retried here (the client already failed over).
 */
export async function generateSafely(
  opts: { retries: number; check: NsfwCheck | undefined; signal: AbortSignal; log: Logger; seeds: () => number },
  attempt: (seed: number, n: number) => Promise<RawImage>,
): Promise<RawImage> {
  for (let n = 0; n <= opts.retries; n++) {
    throwIfAborted(opts.signal);
    const seed = opts.seeds();
    const image = await attempt(seed, n);
    if (!opts.check) return image;
    throwIfAborted(opts.signal);
    if (!(await opts.check(image, opts.signal))) return image;
    opts.log.warn({ seed, attempt: n + 1 }, 'generated image flagged as NSFW; retrying with a new seed');
  }
  throw new EngineError('exceed_nsfw_retry_limits', `every one of ${opts.retries + 1} generated images was flagged as NSFW`);
}
