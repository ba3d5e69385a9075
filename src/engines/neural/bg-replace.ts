import { paramsFor, type Engine, type EngineDeps, type EngineOutput } from '../engine.js';
import { encodeOutput, toRaw } from '../image-io.js';
import { compositeOver } from './composite.js';
import { rgbOfHex } from './hex-color.js';
import { mattingAvailability, segmentSource, warmMatting } from './segment.js';

/**
 * AI Photo Background Change: as the source document describes, the result is the foreground mask
 * (grayscale PNG, input size) for the client to composite. With the extension param
 * `background_color` ("#RRGGBB") a second result holds the photo composited over that color.
 */
export function createBgReplaceEngine(deps: EngineDeps): Engine {
  return {
    feature: 'bg-replace',
    availability: () => mattingAvailability(deps),
    warmUp: () => warmMatting(deps),
    async run(job, ctx) {
      const hex = paramsFor('bg-replace', job).background_color;
      const color = hex === undefined ? undefined : rgbOfHex(hex);
      const { src, matte } = await segmentSource(deps, 'bg-replace', job, ctx);
      const outputs: EngineOutput[] = [await encodeOutput({ data: matte, width: src.width, height: src.height, channels: 1 }, 'png', { forcePng: true })];
      if (color) {
        const rgb = await toRaw(src.image, 3);
        outputs.push(await encodeOutput(await compositeOver(rgb, matte, color), job.outputExt ?? 'jpg'));
      }
      return outputs;
    },
  };
}
