import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { TaskAbortedError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, moveToShared, sharedBytes, toRaw } from '../image-io.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import type { FaceLiftRequest } from './face-light.js';
import type { RelightRequest } from './relight.js';

export interface LightingOptions {
  /** Detect faces (src/engines/face/analysis.ts) and lift ones that stay dark. */
  faceAware?: boolean;
}

type Box = [number, number, number, number];

/** Face boxes from the face helper's analysis; any failure there just means no face touch-up. */
async function faceBoxes(deps: EngineDeps, raw: { data: Buffer; width: number; height: number }, signal: AbortSignal): Promise<Box[]> {
  try {
    const { analyzeFaces } = await import('../face/analysis.js');
    const a = await analyzeFaces(deps.pool, { data: raw.data, width: raw.width, height: raw.height, channels: 3 }, signal);
    return a.faces.map((f) => f.box);
  } catch (e) {
    if (e instanceof TaskAbortedError || signal.aborted) throw e;
    deps.log.debug({ err: e }, 'lighting: face analysis unavailable, global relighting only');
    return [];
  }
}

export function createLightingEngine(deps: EngineDeps, opts: LightingOptions = {}): Engine {
  const spec = feature('lighting');
  const kernels = kernelHandle<typeof import('./pixel-kernel.js')>(siblingModule(import.meta.url, 'pixel-kernel'));
  const faceAware = opts.faceAware ?? true;
  return {
    feature: 'lighting',
    availability: () => ({ available: true, implementation: `LIME-style illumination map with guided filter${faceAware ? ', face-aware lift' : ''}` }),
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      const raw = await toRaw(src.image, 3);
      ctx.reportProgress(0.1);
      throwIfAborted(ctx.signal);
      // Memory on a 4096² photo (issue 14): input and result live in shared memory, so the worker reads
      // and writes them without copies to and from the thread (a shared view posted back is not copied either).
      const rgb = moveToShared(raw);
      const out = sharedBytes(rgb.byteLength);
      const req: RelightRequest = { rgb, width: raw.width, height: raw.height, out };
      await kernels.run(deps.pool, 'relightKernel', req, { signal: ctx.signal });
      ctx.reportProgress(0.6);
      if (faceAware) {
        // Detected on the relit photo: faces in deep shadow are found more reliably once brightened.
        const lit = { data: Buffer.from(out.buffer), width: raw.width, height: raw.height };
        const boxes = await faceBoxes(deps, lit, ctx.signal);
        if (boxes.length > 0) {
          const lift: FaceLiftRequest = { rgb: out, width: raw.width, height: raw.height, boxes, inPlace: true };
          await kernels.run(deps.pool, 'liftFacesKernel', lift, { signal: ctx.signal });
        }
      }
      ctx.reportProgress(0.9);
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      return [await encodeOutput({ data: Buffer.from(out.buffer), width: raw.width, height: raw.height, channels: 3 }, ext)];
    },
  };
}
