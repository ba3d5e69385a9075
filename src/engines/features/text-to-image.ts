/**
 * `text-to-image`: the prompt inside the chosen style's template (generative/prompt.ts) sent to a diffusion backend (generative/backends/) or the embedded CPU diffusion (engines/diffusion/), checked by the NSFW gate (generative/safety.ts).
 */
import { createTextToImageEngine } from '../generative/text-to-image.js';
import { generativeEntry } from './entry.js';

export const entry = generativeEntry('text-to-image', createTextToImageEngine);
