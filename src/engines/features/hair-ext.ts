/**
 * `hair-ext`: hair and face masks (generative/hair/masks.ts) and a diffusion inpaint (a backend, or the embedded CPU diffusion) of longer hair, down to the shoulders, blended in generative/hair/hair-kernel.ts.
 */
import { hairEngine } from '../generative/hair/engine.js';
import { DIFFUSION, EMBEDDED } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

const hair = hairEngine('hair-ext');

export const entry: FeatureEntry = {
  feature: 'hair-ext',
  routes: [
    { option: DIFFUSION, create: hair },
    { option: EMBEDDED, create: hair },
  ],
};
