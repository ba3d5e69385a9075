import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, toRaw } from '../image-io.js';
import { siblingModule } from '../runtime/pool.js';
import { findModel, MODEL_FILES } from './models.js';

/** DDColor's input side. */
export const COLORIZE_SIZE = 512;

export interface ColorizeRequest {
  modelPath: string;
  /** Full-resolution RGB. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** The photo's lightness, one byte per pixel at COLORIZE_SIZE²: the model sees it as gray RGB. */
  grayInput: Uint8Array;
}

export function missingModelMessage(modelsDir: string): string {
  return `colorization needs DDColor ONNX weights: put ${MODEL_FILES.colorize[0]} (DDColor exported to ONNX: input [1,3,512,512] RGB 0..1, output [1,2,512,512] Lab a/b) in ${modelsDir}`;
}

export function createColorizeEngine(deps: EngineDeps): Engine {
  const spec = feature('colorize');
  const kernel = siblingModule(import.meta.url, 'colorize-kernel');
  const model = () => findModel(deps.config.engines.modelsDir, 'colorize');
  return {
    feature: 'colorize',
    availability() {
      const m = model();
      return m ? { available: true, implementation: `DDColor ONNX (${m})` } : { available: false, reason: missingModelMessage(deps.config.engines.modelsDir) };
    },
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      const modelPath = model();
      // Never a tinted copy: without weights the task fails and is not charged.
      if (!modelPath) throw new EngineError('error_inference', missingModelMessage(deps.config.engines.modelsDir));
      const raw = await toRaw(src.image, 3);
      const gray = await src.image.clone().removeAlpha().resize(COLORIZE_SIZE, COLORIZE_SIZE, { fit: 'fill' }).grayscale().raw().toBuffer();
      ctx.reportProgress(0.1);
      throwIfAborted(ctx.signal);
      const req: ColorizeRequest = { modelPath, rgb: new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), width: raw.width, height: raw.height, grayInput: new Uint8Array(gray) };
      let out: Uint8Array;
      try {
        out = await deps.pool.run<Uint8Array>(kernel, 'colorizeKernel', req, { signal: ctx.signal });
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        throw new EngineError('error_inference', `colorization model failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      ctx.reportProgress(0.9);
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      return [await encodeOutput({ data: Buffer.from(out.buffer, out.byteOffset, out.byteLength), width: raw.width, height: raw.height, channels: 3 }, ext)];
    },
  };
}
