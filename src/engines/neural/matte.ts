import type { Sharp } from 'sharp';
import sharp from 'sharp';
import type { WorkerPool } from '../engine.js';
import { EngineError, TaskAbortedError, isEngineError } from '../errors.js';
import { createWorkerPool, siblingModule } from '../runtime/pool.js';

const KERNEL = siblingModule(import.meta.url, 'matte-kernel');
const MATTE_SIZE = 1024;

/**
 * Matting runs in one dedicated worker per process: an ISNet session holds ~0.8 GB, so one per pool
 * worker doubled the footprint for no gain (one inference already uses every core). Concurrent
 * matting tasks queue here. The worker leaves when idle (`engines.idleReleaseMs`), giving the memory back.
 */
let mattingPool: WorkerPool | undefined;
function matting(idleMs?: number): WorkerPool {
  mattingPool ??= createWorkerPool(1, { idleMs });
  return mattingPool;
}

/** Loads the matting session ahead of the first task. */
export async function warmMatte(modelsDir: string, idleMs?: number): Promise<void> {
  await matting(idleMs).run(KERNEL, 'warmMatte', { modelsDir });
}

/** Ends the matting worker (and its session); the next matte starts a new one. */
export async function closeMatting(): Promise<void> {
  const pool = mattingPool;
  mattingPool = undefined;
  await pool?.destroy();
}

/**
 * Foreground matte of an image at its full resolution (one byte per pixel, 255 = subject): the
 * model sees a 1024x1024 view, and its soft probabilities are resized back with a smooth kernel so
 * edges stay soft rather than stair-stepped.
 */
export async function foregroundMatte(image: Sharp, width: number, height: number, opts: { modelsDir: string; signal?: AbortSignal; idleMs?: number }): Promise<Buffer> {
  const rgb = await image.clone().removeAlpha().resize(MATTE_SIZE, MATTE_SIZE, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  let small: Uint8Array;
  try {
    const input = new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength);
    small = await matting(opts.idleMs).run<Uint8Array>(KERNEL, 'predictMatte', { modelsDir: opts.modelsDir, rgb: input }, { signal: opts.signal });
  } catch (e) {
    if (isEngineError(e) || e instanceof TaskAbortedError) throw e;
    throw new EngineError('error_inference', `matting failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return sharp(Buffer.from(small.buffer, small.byteOffset, small.byteLength), { raw: { width: MATTE_SIZE, height: MATTE_SIZE, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    // sharp widens one-channel input to sRGB on output unless told otherwise.
    .toColourspace('b-w')
    .raw()
    .toBuffer();
}
