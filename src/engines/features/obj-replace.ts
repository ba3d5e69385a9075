/**
 * `obj-replace`: the masked region repainted from the prompt by a diffusion backend (or the embedded CPU diffusion, engines/diffusion/) (generative/inpaint-region.ts), checked by the NSFW gate.
 */
import { createObjReplaceEngine } from '../generative/obj-replace.js';
import { DIFFUSION, EMBEDDED } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'obj-replace',
  routes: [
    { option: DIFFUSION, create: createObjReplaceEngine },
    { option: EMBEDDED, create: createObjReplaceEngine },
  ],
};
