/**
 * `hair-style`: hair and face masks (generative/hair/masks.ts) and a diffusion inpaint (a backend, or the embedded CPU diffusion) of a new hairstyle, blended in generative/hair/hair-kernel.ts.
 */
import { hairEngine } from '../generative/hair/engine.js';
import { generativeEntry } from './entry.js';

export const entry = generativeEntry('hair-style', hairEngine('hair-style'));
