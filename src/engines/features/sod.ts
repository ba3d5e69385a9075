/**
 * `sod`: soft subject matte (neural/segment.ts, neural/matte.ts) as the alpha of a full-resolution PNG.
 */
import { createSodEngine } from '../neural/sod.js';
import { BUILTIN } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'sod',
  routes: [
    { option: BUILTIN, create: createSodEngine },
  ],
};
