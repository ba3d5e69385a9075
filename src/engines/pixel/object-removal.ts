import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, moveToShared, toRaw } from '../image-io.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import { loadRemovalMask } from './mask-input.js';
import { findModel } from './models.js';
import { neuralInpaint } from './neural-inpaint.js';
import type { FillRequest } from './hole-fill.js';

/** Mask growth: hand-drawn masks miss the object's soft edge and shadow by a few pixels. */
export function maskGrowth(width: number, height: number): number {
  return Math.max(3, Math.round(Math.max(width, height) * 0.006));
}

export function createObjectRemovalEngine(deps: EngineDeps): Engine {
  const spec = feature('obj-removal');
  const kernels = siblingModule(import.meta.url, 'pixel-kernel');
  const model = () => findModel(deps.config.engines.modelsDir, 'inpaint');
  return {
    feature: 'obj-removal',
    availability() {
      const m = model();
      return { available: true, implementation: m ? `ONNX inpainting (${m})` : 'classical multi-scale PatchMatch inpainting' };
    },
    async run(job, ctx) {
      const maxPixels = deps.config.engines.maxPixels;
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels });
      const hole = await loadRemovalMask(firstFile(job.files.mask_ids, 'mask'), spec, src.width, src.height, maxPixels);
      const raw = await toRaw(src.image, 3);
      ctx.reportProgress(0.1);
      throwIfAborted(ctx.signal);
      // Memory on a 4096² photo (issue 14): the pixels go to the worker in shared memory, not copied.
      const rgb = moveToShared(raw);
      const dilate = maskGrowth(src.width, src.height);
      const modelPath = model();
      let out: Uint8Array;
      if (modelPath) {
        const { grown, alpha } = await kernelHandle<typeof import('./pixel-kernel.js')>(kernels).run(deps.pool, 'growMaskKernel',
          { hole, width: src.width, height: src.height, dilate }, { signal: ctx.signal });
        out = await neuralInpaint(deps.pool, modelPath, { rgb, width: src.width, height: src.height }, grown, alpha, ctx.signal);
      } else {
        // The fill is written into the shared pixels, so the result comes back without a copy.
        const req: FillRequest = { rgb, width: src.width, height: src.height, hole, dilate, detailRadius: 2 * dilate, settleRing: true, belonging: true, ringPeriods: true, inPlace: true };
        out = await kernelHandle<typeof import('./pixel-kernel.js')>(kernels).run(deps.pool, 'fillHoleKernel', req, { signal: ctx.signal });
      }
      ctx.reportProgress(0.9);
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      return [await encodeOutput({ data: Buffer.from(out.buffer, out.byteOffset, out.byteLength), width: src.width, height: src.height, channels: 3 }, ext)];
    },
  };
}
