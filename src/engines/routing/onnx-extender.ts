import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage } from '../image-io.js';
import { placeExtenderInput } from '../pixel/extender-geometry.js';
import { findModel } from '../pixel/models.js';
import { neuralInpaint } from '../pixel/neural-inpaint.js';

/**
 * The image extender with an inpainting network (LaMa / MI-GAN): the (cropped, scaled) input is
 * placed pixel-exact on the canvas and the network paints the border.
 */
export function createOnnxExtenderEngine(deps: EngineDeps): Engine {
  const spec = feature('out-paint');
  const model = () => findModel(deps.config.engines.modelsDir, 'inpaint');
  return {
    feature: 'out-paint',
    availability() {
      const m = model();
      return m ? { available: true, implementation: `ONNX inpainting (${m})` } : { available: false, reason: 'no inpainting model installed' };
    },
    async run(job, ctx) {
      const modelPath = model();
      if (!modelPath) throw new EngineError('error_inference', 'no inpainting model installed');
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      const { g, canvas: rgb, inside } = await placeExtenderInput(job, src);
      const W = g.output_width, H = g.output_height;
      const hole = inside.map((v) => 1 - v);
      const alpha = Float32Array.from(hole);
      ctx.reportProgress(0.1);
      throwIfAborted(ctx.signal);
      const out = await neuralInpaint(deps.pool, modelPath, { rgb, width: W, height: H }, hole, alpha, ctx.signal);
      ctx.reportProgress(0.9);
      return [await encodeOutput({ data: Buffer.from(out.buffer, out.byteOffset, out.byteLength), width: W, height: H, channels: 3 }, job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg'))];
    },
  };
}
