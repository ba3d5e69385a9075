import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, toRaw } from '../image-io.js';
import { siblingModule } from '../runtime/pool.js';
import type { RelightRequest } from './relight.js';

export function createLightingEngine(deps: EngineDeps): Engine {
  const spec = feature('lighting');
  const kernels = siblingModule(import.meta.url, 'pixel-kernels');
  return {
    feature: 'lighting',
    availability: () => ({ available: true, implementation: 'LIME-style illumination map with guided filter' }),
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      const raw = await toRaw(src.image, 3);
      ctx.reportProgress(0.1);
      throwIfAborted(ctx.signal);
      const req: RelightRequest = { rgb: new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), width: raw.width, height: raw.height };
      const out = await deps.pool.run<Uint8Array>(kernels, 'relightKernel', req, { signal: ctx.signal });
      ctx.reportProgress(0.9);
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      return [await encodeOutput({ data: Buffer.from(out.buffer, out.byteOffset, out.byteLength), width: raw.width, height: raw.height, channels: 3 }, ext)];
    },
  };
}
