/**
 * `lighting`: LIME-style illumination-map relighting (pixel/relight.ts) with a face touch-up where faces are found (pixel/face-light.ts).
 */
import { createLightingEngine } from '../pixel/lighting.js';
import { BUILTIN } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'lighting',
  routes: [
    { option: BUILTIN, create: createLightingEngine },
  ],
};
