import type { Sharp } from 'sharp';
import sharp from 'sharp';
import type { WorkerPool } from '../engine.js';
import { EngineError, TaskAbortedError, isEngineError } from '../errors.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';

const KERNEL = kernelHandle<typeof import('./matte-kernel.js')>(siblingModule(import.meta.url, 'matte-kernel'));
const MATTE_SIZE = 1024;

/**
 * Matting runs in one thread of the engine pool: one inference already uses every core, and an
 * ISNet session holds 0.3–1.4 GB, so a second thread would double the footprint for no gain.
 * Concurrent matting tasks queue for it. Under a roomy memory budget the session keeps its fast
 * form (matte-kernel.ts).
 */
const MATTING = { threads: 1 };

/**
 * What loading ISNet and its first 1024² run add to the process (measured in the soak: lean ~0.9 GB,
 * fast ~1.5 GB; the input is always 1024², so it does not grow with the photo). Declared so the
 * memory governor makes room before the first matte under a tight budget instead of after.
 */
const firstCallMb = (pool: WorkerPool) => (pool.roomyMemory ? 1536 : 900);

/** Loads the matting session ahead of the first task. */
export async function warmMatte(pool: WorkerPool, modelsDir: string): Promise<void> {
  await KERNEL.run(pool, 'warmMatte', { modelsDir, fast: pool.roomyMemory }, { ...MATTING, firstCallMb: firstCallMb(pool) });
}

/**
 * Foreground matte of an image at its full resolution (one byte per pixel, 255 = subject): the
 * model sees a 1024x1024 view, and its soft probabilities are resized back with a smooth kernel so
 * edges stay soft rather than stair-stepped.
 */
export async function foregroundMatte(pool: WorkerPool, image: Sharp, width: number, height: number, opts: { modelsDir: string; signal?: AbortSignal }): Promise<Buffer> {
  const rgb = await image.clone().removeAlpha().resize(MATTE_SIZE, MATTE_SIZE, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  let small: Uint8Array;
  try {
    const input = new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength);
    small = await KERNEL.run(pool, 'predictMatte', { modelsDir: opts.modelsDir, fast: pool.roomyMemory, rgb: input }, { ...MATTING, firstCallMb: firstCallMb(pool), signal: opts.signal });
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
