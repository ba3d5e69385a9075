/**
 * `obj-removal`: mask grown over the object's soft edge, then filled: a diffusion inpainting workflow when a backend is configured,
 * LaMa / MI-GAN (pixel/neural-inpaint.ts) when installed, the embedded CPU diffusion (engines/diffusion/) when installed, else PatchMatch with a membrane base (pixel/hole-fill.ts, pixel/patchmatch.ts).
 * The ONNX and PatchMatch routes are one engine: object-removal.ts picks the installed network itself.
 */
import { createObjectRemovalEngine } from '../pixel/object-removal.js';
import { createDiffusionRemovalEngine } from '../routing/diffusion-fill.js';
import { DIFFUSION_INPAINT, EMBEDDED_INPAINT, ONNX_INPAINT, PATCHMATCH } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'obj-removal',
  routes: [
    { option: DIFFUSION_INPAINT, create: createDiffusionRemovalEngine },
    { option: ONNX_INPAINT, create: createObjectRemovalEngine },
    // SD 1.5 without an inpainting UNet tends to paint a new object into a hole: for removal the
    // embedded engine only stands above PatchMatch (LaMa was trained for removal).
    { option: EMBEDDED_INPAINT, create: createDiffusionRemovalEngine },
    { option: PATCHMATCH, create: createObjectRemovalEngine },
  ],
};
