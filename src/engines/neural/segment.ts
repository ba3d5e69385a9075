import type { EngineDeps, EngineJob, EngineRunContext, Availability } from '../engine.js';
import { throwIfAborted } from '../errors.js';
import { firstFile, loadImage, type LoadedImage } from '../image-io.js';
import { modelSpec } from '../models/catalog.js';
import { findModel } from '../models/resolve.js';
import { feature, type FeatureId } from '../../features/table.js';
import { foregroundMatte, warmMatte } from './matte.js';
import { guardNsfw } from './nsfw.js';

export interface Segmented {
  src: LoadedImage;
  /** Full-resolution matte, one byte per pixel. */
  matte: Buffer;
}

/** Loads the source under the feature's limits, gates it on NSFW and computes the subject matte. */
export async function segmentSource(deps: EngineDeps, id: FeatureId, job: EngineJob, ctx: EngineRunContext): Promise<Segmented> {
  const src = await loadImage(firstFile(job.files.src_ids), feature(id), { maxPixels: deps.config.engines.maxPixels });
  const guard = () => guardNsfw(deps, src.image, ctx.signal).then(() => ctx.reportProgress(0.2));
  const matting = () => foregroundMatte(deps.pool, src.image, src.width, src.height, { modelsDir: deps.config.engines.modelsDir, signal: ctx.signal });
  let matte: Buffer;
  if (deps.pool.roomyMemory) {
    // With room, the NSFW check and the matte run side by side (each in threads of its own): a
    // flagged photo still ends the task before any result exists, and others do not wait for it.
    const [guarded, matted] = await Promise.allSettled([guard(), matting()]);
    if (guarded.status === 'rejected') throw guarded.reason;
    if (matted.status === 'rejected') throw matted.reason;
    matte = matted.value;
  } else {
    // Under a tight budget one after the other, so the NSFW model's thread may give way to ISNet's
    // (side by side, the 1 GB soak peaked at 1 346 MB against 1 169 MB).
    await guard();
    throwIfAborted(ctx.signal);
    matte = await matting();
  }
  throwIfAborted(ctx.signal);
  ctx.reportProgress(0.8);
  return { src, matte };
}

export function mattingAvailability(deps: EngineDeps): Availability {
  const { resolved, reason } = findModel(modelSpec('isnet-medium'), deps.config.engines.modelsDir);
  if (!resolved) return { available: false, reason };
  return { available: true, implementation: 'ISNet matting (imgly medium) on onnxruntime-node, 1024 px, matte resized to full resolution' };
}

export async function warmMatting(deps: EngineDeps): Promise<void> {
  await warmMatte(deps.pool, deps.config.engines.modelsDir);
}
