/**
 * `hair-style`: hair and face masks (generative/hair/masks.ts) and a diffusion inpaint (a backend, or the embedded CPU diffusion) of a new hairstyle, blended in generative/hair/hair-kernel.ts.
 */
import { hairEngine } from '../generative/hair/engine.js';
import { DIFFUSION, EMBEDDED } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

const hair = hairEngine('hair-style');

export const entry: FeatureEntry = {
  feature: 'hair-style',
  routes: [
    { option: DIFFUSION, create: hair },
    { option: EMBEDDED, create: hair },
  ],
};
