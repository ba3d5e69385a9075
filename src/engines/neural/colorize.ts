import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, toRaw } from '../image-io.js';
import type { ColorizeSignature } from '../models/adapters/colorize.js';
import { MODEL_KERNELS } from '../models/kernel-module.js';
import type { ColorizeKernelRequest } from '../models/model-kernel.js';
import { refFor } from '../models/refs.js';
import { bestModel, catalogModels } from '../models/select.js';

const SIGNATURES: readonly ColorizeSignature[] = ['ddcolor', 'siggraph17', 'eccv16'];

export function missingModelMessage(modelsDir: string): string {
  const names = catalogModels('colorize', modelsDir).map((m) => m.name).join(', ');
  return `colorization needs a colorization model (DDColor preferred): run \`darkroom models pull ddcolor-tiny\` (or one of ${names}; files go in ${modelsDir}/<name>/)`;
}

/**
 * Colorize: the best installed colorization model (DDColor large, DDColor tiny, SIGGRAPH17, ECCV16)
 * predicts Lab a/b at its own resolution; the photo keeps its full-resolution lightness. Without a
 * model the task fails with `error_inference` (never a tinted copy) and is not charged.
 */
export function createColorizeEngine(deps: EngineDeps): Engine {
  const spec = feature('colorize');
  const modelsDir = () => deps.config.engines.modelsDir;
  const model = () => bestModel('colorize', modelsDir(), SIGNATURES);
  return {
    feature: 'colorize',
    availability() {
      const m = model();
      return m ? { available: true, implementation: m.implementation } : { available: false, reason: missingModelMessage(modelsDir()) };
    },
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      const m = model();
      if (!m?.signature) throw new EngineError('error_inference', missingModelMessage(modelsDir()));
      const ref = refFor(m, modelsDir());
      const signature = m.signature as ColorizeSignature;
      let out: Uint8Array;
      try {
        const side = await MODEL_KERNELS.run(deps.pool, 'colorizeSideKernel', { model: ref, signature }, { signal: ctx.signal });
        const raw = await toRaw(src.image, 3);
        const small = await src.image.clone().removeAlpha().resize(side, side, { fit: 'fill' }).raw().toBuffer();
        ctx.reportProgress(0.1);
        throwIfAborted(ctx.signal);
        const req: ColorizeKernelRequest = {
          model: ref, signature, side,
          rgb: new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), width: raw.width, height: raw.height,
          small: new Uint8Array(small.buffer, small.byteOffset, small.byteLength),
        };
        out = await MODEL_KERNELS.run(deps.pool, 'colorizeKernel', req, { signal: ctx.signal });
        ctx.reportProgress(0.9);
        const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
        const result = await encodeOutput({ data: Buffer.from(out.buffer, out.byteOffset, out.byteLength), width: raw.width, height: raw.height, channels: 3 }, ext);
        return [{ ...result, meta: { ...result.meta, engine: m.name } }];
      } catch (e) {
        if (ctx.signal.aborted || e instanceof EngineError) throw e;
        throw new EngineError('error_inference', `colorization model ${m.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}
