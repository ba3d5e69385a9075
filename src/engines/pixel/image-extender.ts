import { feature } from '../../features/table.js';
import { outPaintCropProblem } from '../../features/params.js';
import { paramsFor, type Engine, type EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage } from '../image-io.js';
import { siblingModule } from '../runtime/pool.js';
import type { FillRequest } from './hole-fill.js';

export function createImageExtenderEngine(deps: EngineDeps): Engine {
  const spec = feature('out-paint');
  const kernels = siblingModule(import.meta.url, 'pixel-kernels');
  return {
    feature: 'out-paint',
    availability: () => ({ available: true, implementation: 'classical multi-scale PatchMatch out-painting' }),
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      const g = paramsFor('out-paint', job);
      // The one rule that needs the decoded source: the crop lies inside it.
      const crop = outPaintCropProblem(g, src.width, src.height);
      if (crop) throw new EngineError('invalid_parameter', crop.message);
      const placed = await src.image.clone().removeAlpha()
        .extract({ left: g.crop_input_x, top: g.crop_input_y, width: g.crop_input_width, height: g.crop_input_height })
        .resize(g.input_width, g.input_height, { fit: 'fill', kernel: 'lanczos3' })
        .raw().toBuffer();
      const W = g.output_width, H = g.output_height;
      const rgb = new Uint8Array(W * H * 3);
      const hole = new Uint8Array(W * H).fill(1);
      for (let y = 0; y < g.input_height; y++) {
        const row = ((y + g.input_y) * W + g.input_x);
        rgb.set(placed.subarray(y * g.input_width * 3, (y + 1) * g.input_width * 3), row * 3);
        hole.fill(0, row, row + g.input_width);
      }
      ctx.reportProgress(0.1);
      throwIfAborted(ctx.signal);
      // No growth: the placed input must come back pixel-exact.
      const req: FillRequest = { rgb, width: W, height: H, hole, dilate: 0 };
      const out = await deps.pool.run<Uint8Array>(kernels, 'fillHoleKernel', req, { signal: ctx.signal });
      ctx.reportProgress(0.9);
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      return [await encodeOutput({ data: Buffer.from(out.buffer, out.byteOffset, out.byteLength), width: W, height: H, channels: 3 }, ext)];
    },
  };
}
