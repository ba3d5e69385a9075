import { paramsFor, type Engine, type EngineDeps, type EngineOutput } from '../engine.js';
import { encodeOutput, toRaw } from '../image-io.js';
import { blurredBackground, compositeOver } from './composite.js';
import { mattingAvailability, segmentSource, warmMatting } from './segment.js';

/** Blur radius for strength 100, as a fraction of the long side (about a 20 px sigma at 1024 px). */
const MAX_SIGMA_FRACTION = 0.02;

/**
 * AI Photo Background Blur: the foreground mask first (as the source document describes); with the
 * extension param `blur_strength` (1-100) a second result holds the photo with its background
 * blurred behind the sharp subject.
 */
export function createBgBlurEngine(deps: EngineDeps): Engine {
  return {
    feature: 'bg-blur',
    availability: () => mattingAvailability(deps),
    warmUp: () => warmMatting(deps),
    async run(job, ctx) {
      const strength = paramsFor('bg-blur', job).blur_strength;
      const { src, matte } = await segmentSource(deps, 'bg-blur', job, ctx);
      const outputs: EngineOutput[] = [await encodeOutput({ data: matte, width: src.width, height: src.height, channels: 1 }, 'png', { forcePng: true })];
      if (strength !== undefined) {
        const rgb = await toRaw(src.image, 3);
        const sigma = Math.max(0.5, (strength / 100) * MAX_SIGMA_FRACTION * Math.max(src.width, src.height));
        const bg = await blurredBackground(rgb, matte, sigma);
        outputs.push(await encodeOutput(await compositeOver(rgb, matte, bg), job.outputExt ?? 'jpg'));
      }
      return outputs;
    },
  };
}
