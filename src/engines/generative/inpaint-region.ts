import sharp from 'sharp';
import type { EngineRunContext, WorkerPool } from '../engine.js';
import { EngineError, TaskAbortedError, isEngineError } from '../errors.js';
import type { RawImage } from '../image-io.js';
import { cropPixels } from '../face/raster.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import type { DiffusionClient } from './backends/client.js';
import type { DiffusionSettings } from './backends/types.js';
import { generateSafely, type NsfwCheck } from './safety.js';
import { multipleOf8, newSeed, progressSpan, type GenerativeDeps } from './shared.js';

const BLEND_KERNEL = kernelHandle<typeof import('./blend-kernel.js')>(siblingModule(import.meta.url, 'blend-kernel'));

export interface RegionRequest {
  feature: string;
  prompt: string;
  negativePrompt: string;
  settings: DiffusionSettings & { /** Working long side sent to the engine (default 1024). */ size?: number };
  seed: number;
}

export interface RegionOptions {
  signal: AbortSignal;
  onProgress?: (f: number) => void;
}

/** Smallest context around a mask the engine sees, so it knows what surrounds the hole. */
const MIN_CONTEXT = 384;

/** [x0, y0, x1, y1) of the mask's pixels, or undefined when it is empty. */
export function maskBounds(mask: Uint8Array, width: number, height: number): [number, number, number, number] | undefined {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? undefined : [x0, y0, x1 + 1, y1 + 1];
}

/** The mask's box grown by a margin and to a minimum context, clamped to the image. */
export function contextRect(b: [number, number, number, number], width: number, height: number): [number, number, number, number] {
  const pad = Math.round(0.25 * Math.max(b[2] - b[0], b[3] - b[1])) + 16;
  let [x0, y0, x1, y1] = [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
  const grow = (lo: number, hi: number, min: number, limit: number): [number, number] => {
    const need = Math.min(min, limit) - (hi - lo);
    if (need > 0) {
      lo -= Math.ceil(need / 2);
      hi += Math.floor(need / 2);
    }
    if (lo < 0) [lo, hi] = [0, hi - lo];
    if (hi > limit) [lo, hi] = [Math.max(0, lo - (hi - limit)), limit];
    return [lo, hi];
  };
  [x0, x1] = grow(x0, x1, MIN_CONTEXT, width);
  [y0, y1] = grow(y0, y1, MIN_CONTEXT, height);
  return [x0, y0, x1, y1];
}

/**
 * Repaints the masked part of an image through the diffusion backend: crops the mask's context,
 * scales it to the engine's working size, inpaints, scales back and pastes the result through an
 * inner-feathered mask at full resolution. Pixels outside the mask are returned unchanged.
 */
export async function inpaintRegion(
  deps: { pool: WorkerPool; client: DiffusionClient },
  image: RawImage,
  mask: Uint8Array,
  req: RegionRequest,
  opts: RegionOptions,
): Promise<RawImage> {
  if (image.channels !== 3) throw new Error('inpaintRegion expects an RGB image');
  const { width, height } = image;
  const bounds = maskBounds(mask, width, height);
  if (!bounds) throw new EngineError('invalid_parameter', 'the mask is empty: paint the area to replace in white');
  const rect = contextRect(bounds, width, height);
  const [x0, y0, x1, y1] = rect;
  const cw = x1 - x0;
  const ch = y1 - y0;
  const maxWork = req.settings.size ?? 1024;
  const scale = Math.max(512, Math.min(maxWork, Math.max(cw, ch))) / Math.max(cw, ch);
  const ww = multipleOf8(cw * scale);
  const wh = multipleOf8(ch * scale);
  const region = { left: x0, top: y0, width: cw, height: ch };

  const cropPng = await sharp(image.data, { raw: { width, height, channels: 3 } }).extract(region).resize(ww, wh, { fit: 'fill' }).png().toBuffer();
  // The engine repaints a little past the mask so the soft paste-back edge lands on new pixels.
  const maskPng = await sharp(Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength), { raw: { width, height, channels: 1 } })
    .extract(region)
    .dilate(3)
    .resize(ww, wh, { fit: 'fill' })
    .toColourspace('b-w')
    .png()
    .toBuffer();

  const { settings, ...rest } = req;
  const { size: _size, ...engineSettings } = settings;
  const generated = await deps.client.inpaint({ ...rest, settings: engineSettings, image: cropPng, mask: maskPng, width: ww, height: wh }, opts);

  let gen: Buffer;
  try {
    gen = await sharp(generated.data).removeAlpha().toColourspace('srgb').resize(cw, ch, { fit: 'fill' }).raw().toBuffer();
  } catch (e) {
    throw new EngineError('error_inference', `the diffusion backend at ${generated.backend} returned an image that cannot be decoded: ${(e as Error).message}`);
  }
  const featherPx = Math.max(2, Math.min(12, Math.round(0.03 * Math.max(bounds[2] - bounds[0], bounds[3] - bounds[1]))));
  try {
    const out = await BLEND_KERNEL.run(
      deps.pool,
      'blendCrop',
      { base: new Uint8Array(image.data), width, height, gen: new Uint8Array(gen), mask: cropPixels(mask, width, 1, rect), rect, featherPx },
      { signal: opts.signal },
    );
    return { data: Buffer.from(out.buffer, out.byteOffset, out.byteLength), width, height, channels: 3 };
  } catch (e) {
    if (e instanceof TaskAbortedError || isEngineError(e)) throw e;
    throw new EngineError('error_inference', `compositing the repainted region failed: ${(e as Error).message}`);
  }
}

/**
 * Inpaints the masked region through the backend, regenerating with a new seed while the NSFW
 * check flags the result (the generative features' common last step).
 */
export function inpaintSafely(
  env: { deps: GenerativeDeps; client: DiffusionClient; nsfw: NsfwCheck | undefined; ctx: EngineRunContext },
  image: RawImage,
  mask: Uint8Array,
  request: Omit<RegionRequest, 'seed'>,
  progressFrom: number,
): Promise<RawImage> {
  const { deps, client, nsfw, ctx } = env;
  return generateSafely({ retries: deps.config.diffusion.nsfwRetries, check: nsfw, signal: ctx.signal, log: ctx.log, seeds: newSeed }, (seed, n) =>
    inpaintRegion({ pool: deps.pool, client }, image, mask, { ...request, seed }, { signal: ctx.signal, onProgress: progressSpan(ctx.reportProgress, progressFrom + n * 0.02, 0.9) }),
  );
}
