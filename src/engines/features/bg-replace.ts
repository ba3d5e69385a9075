/**
 * `bg-replace`: subject matte (neural/segment.ts) as the foreground mask; with `background_color`, the photo composited over it (neural/composite.ts).
 */
import { createBgReplaceEngine } from '../neural/bg-replace.js';
import { BUILTIN } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'bg-replace',
  routes: [
    { option: BUILTIN, create: createBgReplaceEngine },
  ],
};
