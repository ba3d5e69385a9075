import sharp from 'sharp';
import { feature } from '../../features/table.js';
import type { Engine, EngineJob, EngineRunContext } from '../engine.js';
import { EngineError } from '../errors.js';
import { encodeOutput, firstFile, loadImage, toRaw, type RawImage } from '../image-io.js';
import { inpaintSafely } from '../generative/inpaint-region.js';
import { defaultNsfwCheck } from '../generative/safety.js';
import { diffusionAvailability, diffusionFor, requireDiffusion, type GenerativeDeps } from '../generative/shared.js';
import { placeExtenderInput } from '../pixel/extender-geometry.js';

/** Object removal / extension asks the backend for background, never for a new object. */
const FILL = {
  prompt: 'empty background, seamless continuation of the surrounding scene, natural texture, photo',
  negative: 'object, person, animal, text, watermark, logo, frame, border, blurry, deformed, duplicate',
  settings: { steps: 30, cfgScale: 5, sampler: 'DPM++ 2M', scheduler: 'karras', denoise: 1, maskBlur: 6 },
};

async function fill(deps: GenerativeDeps, ctx: EngineRunContext, image: RawImage, mask: Uint8Array, id: 'obj-removal' | 'out-paint'): Promise<RawImage> {
  const client = requireDiffusion(diffusionFor(deps), id);
  const nsfw = 'nsfw' in deps ? (deps.nsfw ?? undefined) : defaultNsfwCheck(deps);
  return inpaintSafely({ deps, client, nsfw, ctx }, image, mask, { feature: id, prompt: FILL.prompt, negativePrompt: FILL.negative, settings: FILL.settings }, 0.1);
}

/** Object removal through the diffusion backend's inpainting workflow; pixels outside the mask stay. */
export function createDiffusionRemovalEngine(deps: GenerativeDeps): Engine {
  const spec = feature('obj-removal');
  return {
    feature: 'obj-removal',
    availability: () => diffusionAvailability(diffusionFor(deps)),
    async run(job: EngineJob, ctx: EngineRunContext) {
      const maxPixels = deps.config.engines.maxPixels;
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels });
      const msk = await loadImage(firstFile(job.files.mask_ids ?? job.files.msk_ids, 'mask'), spec, { maxPixels, role: 'mask' });
      if (msk.width !== src.width || msk.height !== src.height) {
        throw new EngineError('invalid_parameter', `the mask is ${msk.width}x${msk.height}; it must be the photo's size, ${src.width}x${src.height}`);
      }
      const image = await toRaw(src.image, 3);
      const gray = await toRaw(msk.image, 1);
      const mask = new Uint8Array(gray.data.length);
      let any = false;
      for (let i = 0; i < mask.length; i++) if ((mask[i] = gray.data[i] >= 128 ? 255 : 0)) any = true;
      if (!any) throw new EngineError('invalid_parameter', 'the mask is empty: paint the object to remove in white');
      const out = await fill(deps, ctx, image, mask, 'obj-removal');
      return [await encodeOutput(out, job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg'))];
    },
  };
}

/** The image extender through the diffusion backend: the placed input is kept, the border generated. */
export function createDiffusionExtenderEngine(deps: GenerativeDeps): Engine {
  const spec = feature('out-paint');
  return {
    feature: 'out-paint',
    availability: () => diffusionAvailability(diffusionFor(deps)),
    async run(job: EngineJob, ctx: EngineRunContext) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      const { g, placed, inside } = await placeExtenderInput(job, src);
      const W = g.output_width, H = g.output_height;
      // The border starts as the photo's edge pixels stretched outwards, not black: the backend's
      // result is pasted through a feathered edge, and a black start would show there as a dark seam.
      const data = await sharp(placed, { raw: { width: g.input_width, height: g.input_height, channels: 3 } })
        .extend({ left: g.input_x, top: g.input_y, right: W - g.input_x - g.input_width, bottom: H - g.input_y - g.input_height, extendWith: 'copy' })
        .raw().toBuffer();
      const mask = inside.map((v) => (v ? 0 : 255));
      const out = await fill(deps, ctx, { data, width: W, height: H, channels: 3 }, mask, 'out-paint');
      return [await encodeOutput(out, job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg'))];
    },
  };
}
