import { feature } from '../../features/table.js';
import { paramsFor, type Engine, type EngineJob, type EngineRunContext } from '../engine.js';
import { EngineError } from '../errors.js';
import { encodeOutput, firstFile, loadImage, toRaw } from '../image-io.js';
import { inpaintSafely } from './inpaint-region.js';
import { defaultNsfwCheck } from './safety.js';
import { diffusionAvailability, diffusionFor, encoderPrompt, requireDiffusion, type GenerativeDeps } from './shared.js';

const SPEC = feature('obj-replace');

/** Negative prompt and engine settings for AI Replace; the client gives only the prompt. */
export const REPLACE_DEFAULTS = {
  negative: 'blurry, lowres, deformed, watermark, text, frame, border, duplicate object',
  settings: { steps: 30, cfgScale: 7, sampler: 'DPM++ 2M', scheduler: 'karras', denoise: 1, maskBlur: 6 },
};

/**
 * AI Replace: the masked area (white in `msk_ids`, same size as the photo) is repainted from the
 * prompt; everything outside the mask is returned pixel for pixel.
 */
export function createObjReplaceEngine(deps: GenerativeDeps): Engine {
  // Looked up per use: a diffusion model pulled while the server runs serves from the next task.
  const client = () => diffusionFor(deps);
  const nsfw = 'nsfw' in deps ? (deps.nsfw ?? undefined) : defaultNsfwCheck(deps);
  return {
    feature: 'obj-replace',
    availability: () => diffusionAvailability(client()),
    async run(job: EngineJob, ctx: EngineRunContext) {
      const prompt = encoderPrompt(paramsFor('obj-replace', job).prompt);
      const srcFile = firstFile(job.files.src_ids);
      const maskFile = firstFile(job.files.msk_ids ?? job.files.mask_ids, 'mask');
      const backend = requireDiffusion(client(), 'obj-replace');
      const maxPixels = deps.config.engines.maxPixels;
      const src = await loadImage(srcFile, SPEC, { maxPixels });
      const msk = await loadImage(maskFile, SPEC, { maxPixels, role: 'mask' });
      if (msk.width !== src.width || msk.height !== src.height) {
        throw new EngineError('invalid_parameter', `the mask is ${msk.width}x${msk.height}; it must be the photo's size, ${src.width}x${src.height}`);
      }
      const image = await toRaw(src.image, 3);
      const gray = await toRaw(msk.image, 1);
      const mask = new Uint8Array(gray.data.length);
      for (let i = 0; i < mask.length; i++) mask[i] = gray.data[i] >= 128 ? 255 : 0;
      ctx.reportProgress(0.05);
      const out = await inpaintSafely(
        { deps, client: backend, nsfw, ctx },
        image,
        mask,
        { feature: 'obj-replace', prompt, negativePrompt: REPLACE_DEFAULTS.negative, settings: REPLACE_DEFAULTS.settings },
        0.1,
      );
      ctx.reportProgress(0.95);
      // Without output_ext a PNG stays PNG: a lossless round trip keeps the untouched pixels exact.
      return [await encodeOutput(out, job.outputExt ?? (src.format === 'png' ? 'png' : undefined))];
    },
  };
}
