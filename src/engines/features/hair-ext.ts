/**
 * `hair-ext`: hair and face masks (generative/hair/masks.ts) and a diffusion inpaint (a backend, or the embedded CPU diffusion) of longer hair, down to the shoulders, blended in generative/hair/hair-kernel.ts.
 */
import { hairEngine } from '../generative/hair/engine.js';
import { generativeEntry } from './entry.js';

export const entry = generativeEntry('hair-ext', hairEngine('hair-ext'));
