import type { Engine, EngineDeps } from '../engine.js';
import { encodeOutput, toRaw } from '../image-io.js';
import { mattingAvailability, segmentSource, warmMatting } from './segment.js';

/** AI Photo Background Removal: the photo at full resolution as PNG, alpha = the soft subject matte. */
export function createSodEngine(deps: EngineDeps): Engine {
  return {
    feature: 'sod',
    availability: () => mattingAvailability(deps),
    warmUp: () => warmMatting(deps),
    async run(job, ctx) {
      const { src, matte } = await segmentSource(deps, 'sod', job, ctx);
      const rgba = await toRaw(src.image, 4);
      for (let i = 0, o = 3; i < matte.length; i++, o += 4) {
        // An input that already has transparency keeps it: the cut-out can only remove more.
        rgba.data[o] = src.hasAlpha ? Math.round((rgba.data[o] * matte[i]) / 255) : matte[i];
      }
      return [await encodeOutput(rgba, 'png', { forcePng: true })];
    },
  };
}
