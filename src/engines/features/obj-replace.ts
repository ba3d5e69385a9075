/**
 * `obj-replace`: the masked region repainted from the prompt by a diffusion backend (or the embedded CPU diffusion, engines/diffusion/) (generative/inpaint-region.ts), checked by the NSFW gate.
 */
import { createObjReplaceEngine } from '../generative/obj-replace.js';
import { generativeEntry } from './entry.js';

export const entry = generativeEntry('obj-replace', createObjReplaceEngine);
