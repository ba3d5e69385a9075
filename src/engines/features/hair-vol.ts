/**
 * `hair-vol`: hair and face masks (generative/hair/masks.ts) and a diffusion inpaint (a backend, or the embedded CPU diffusion) of more volume, blended in generative/hair/hair-kernel.ts.
 */
import { hairEngine } from '../generative/hair/engine.js';
import { DIFFUSION, EMBEDDED } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

const hair = hairEngine('hair-vol');

export const entry: FeatureEntry = {
  feature: 'hair-vol',
  routes: [
    { option: DIFFUSION, create: hair },
    { option: EMBEDDED, create: hair },
  ],
};
