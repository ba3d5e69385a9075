import { feature, type FeatureId } from '../../../features/table.js';
import type { Engine, EngineFactory, EngineJob, EngineRunContext } from '../../engine.js';
import { EngineError, TaskAbortedError, isEngineError } from '../../errors.js';
import { analyzeFaces, checkFaceRules } from '../../face/analysis.js';
import sharp from 'sharp';
import { encodeOutput, firstFile, loadImage, toRaw, type RawImage } from '../../image-io.js';
import { kernelHandle } from '../../kernel.js';
import { siblingModule } from '../../runtime/pool.js';
import { inpaintSafely } from '../inpaint-region.js';
import { renderPrompt } from '../prompt.js';
import { defaultNsfwCheck } from '../safety.js';
import { diffusionAvailability, diffusionFor, requireDiffusion, styleOf, type GenerativeDeps } from '../shared.js';
import type { HairMaskArgs } from './hair-kernel.js';
import type { HairFeature, HairMasks } from './masks.js';

const HAIR_KERNEL = kernelHandle<typeof import('./hair-kernel.js')>(siblingModule(import.meta.url, 'hair-kernel'));

/** Extensions are painted down to the shoulders, so those must be in the photo. */
const NEEDS_SHOULDERS: ReadonlySet<FeatureId> = new Set(['hair-ext']);

/**
 * Hair features: face checks from the feature table's limits, a hair-region mask shaped for the
 * feature (face excluded), then the style's prompt inpainted into that region only.
 */
export function hairEngine(id: HairFeature): EngineFactory {
  const spec = feature(id);
  return (deps: GenerativeDeps): Engine => {
    // Looked up per use: a diffusion model pulled while the server runs serves from the next task.
  const client = () => diffusionFor(deps);
    const nsfw = 'nsfw' in deps ? (deps.nsfw ?? undefined) : defaultNsfwCheck(deps);
    return {
      feature: id,
      availability: () => diffusionAvailability(client()),
      async run(job: EngineJob, ctx: EngineRunContext) {
        const style = styleOf(job);
        const backend = requireDiffusion(client(), id);
        const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
        const image = await toRaw(src.image, 3);
        if (nsfw && (await nsfw(image, ctx.signal))) throw new EngineError('error_nsfw_content_detected');
        ctx.reportProgress(0.05);

        const analysis = await analyzeFaces(deps.pool, image, ctx.signal);
        const rules = spec.limits.face;
        if (!rules) throw new Error(`${id} has no face rules in the feature table`);
        const face = checkFaceRules(analysis, rules, { requireShoulders: NEEDS_SHOULDERS.has(id) });
        ctx.reportProgress(0.1);

        const small = await matteInput(image);
        const masks = await hairMask(deps, { ...small, width: image.width, height: image.height, feature: id, mesh: face.mesh }, ctx.signal);
        if (!masks.target.some((v) => v > 0)) throw new EngineError('error_face_parsing', 'the hair region could not be located');
        ctx.reportProgress(0.15);

        const out = await inpaintSafely(
          { deps, client: backend, nsfw, ctx },
          image,
          masks.target,
          { feature: id, prompt: renderPrompt(style), negativePrompt: style.negativePrompt, settings: style.settings },
          0.2,
        );
        ctx.reportProgress(0.95);
        return [await encodeOutput(out, job.outputExt)];
      },
    };
  };
}

/** The person matte only outlines hair and shoulders: a 512 px view is enough and 4x cheaper at 1024. */
export const MATTE_LONG_SIDE = 512;

export async function matteInput(image: RawImage): Promise<{ rgb: Uint8Array; rgbWidth: number; rgbHeight: number }> {
  if (Math.max(image.width, image.height) <= MATTE_LONG_SIDE) return { rgb: new Uint8Array(image.data), rgbWidth: image.width, rgbHeight: image.height };
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .resize(MATTE_LONG_SIDE, MATTE_LONG_SIDE, { fit: 'inside' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), rgbWidth: info.width, rgbHeight: info.height };
}

export async function hairMask(deps: GenerativeDeps, args: HairMaskArgs, signal?: AbortSignal): Promise<HairMasks & { matte: Uint8Array }> {
  try {
    return await HAIR_KERNEL.run(deps.pool, 'hairMask', args, { signal, transferList: [args.rgb.buffer as ArrayBuffer] });
  } catch (e) {
    if (e instanceof TaskAbortedError || isEngineError(e)) throw e;
    throw new EngineError('error_face_parsing', `hair segmentation failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
