/**
 * `bg-blur`: the subject matte (neural/segment.ts) as the first result; with `blur_strength`, the photo with its background blurred behind the sharp subject (neural/composite.ts).
 */
import { createBgBlurEngine } from '../neural/bg-blur.js';
import { BUILTIN } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'bg-blur',
  routes: [
    { option: BUILTIN, create: createBgBlurEngine },
  ],
};
