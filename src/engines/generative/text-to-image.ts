import sharp from 'sharp';
import { feature } from '../../features/table.js';
import { paramsFor, type Engine, type EngineJob, type EngineRunContext } from '../engine.js';
import { EngineError } from '../errors.js';
import { encodeOutput, type RawImage } from '../image-io.js';
import { renderPrompt } from './prompt.js';
import { defaultNsfwCheck, generateSafely } from './safety.js';
import {
  diffusionAvailability,
  diffusionFor,
  encoderPrompt,
  multipleOf8,
  newSeed,
  progressSpan,
  requireDiffusion,
  styleOf,
  type GenerativeDeps,
} from './shared.js';

const SPEC = feature('text-to-image');

/** AI Image Generator: the client's prompt inside the chosen style's template, one image, long side ≤ 1024. */
export function createTextToImageEngine(deps: GenerativeDeps): Engine {
  // Looked up per use: a diffusion model pulled while the server runs serves from the next task.
  const client = () => diffusionFor(deps);
  const nsfw = 'nsfw' in deps ? (deps.nsfw ?? undefined) : defaultNsfwCheck(deps);
  return {
    feature: 'text-to-image',
    availability: () => diffusionAvailability(client()),
    async run(job: EngineJob, ctx: EngineRunContext) {
      const params = paramsFor('text-to-image', job);
      const prompt = encoderPrompt(params.prompt);
      const style = styleOf(job);
      const backend = requireDiffusion(client(), 'text-to-image');
      const maxSide = SPEC.limits.maxLongSide;
      const fit = Math.min(1, maxSide / Math.max(style.width, style.height));
      const width = multipleOf8(style.width * fit);
      const height = multipleOf8(style.height * fit);
      ctx.reportProgress(0.02);
      const raw = await generateSafely(
        { retries: deps.config.diffusion.nsfwRetries, check: nsfw, signal: ctx.signal, log: ctx.log, seeds: newSeed },
        async (seed, n) => {
          const out = await backend.txt2img(
            { feature: 'text-to-image', prompt: renderPrompt(style, prompt), negativePrompt: style.negativePrompt, width, height, seed, settings: style.settings },
            { signal: ctx.signal, onProgress: progressSpan(ctx.reportProgress, 0.05 + n * 0.02, 0.9) },
          );
          return decodeResult(out.data, out.backend, maxSide);
        },
      );
      ctx.reportProgress(0.95);
      return [await encodeOutput(raw, job.outputExt)];
    },
  };
}

/** The engine's image as RGB, shrunk to the feature's long-side limit if the engine went bigger. */
export async function decodeResult(data: Buffer, backend: string, maxSide: number): Promise<RawImage> {
  try {
    const { data: px, info } = await sharp(data)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: px, width: info.width, height: info.height, channels: 3 };
  } catch (e) {
    throw new EngineError('error_inference', `the diffusion backend at ${backend} returned an image that cannot be decoded: ${(e as Error).message}`);
  }
}
