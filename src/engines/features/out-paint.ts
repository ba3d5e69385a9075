/**
 * `out-paint`: canvas geometry (pixel/extender-geometry.ts), then the border painted: a diffusion inpainting workflow, the embedded CPU diffusion (engines/diffusion/), LaMa / MI-GAN
 * (routing/onnx-extender.ts), else mirrored PatchMatch fill in pixel/outpaint-kernel.ts.
 */
import { createImageExtenderEngine } from '../pixel/image-extender.js';
import { createDiffusionExtenderEngine } from '../routing/diffusion-fill.js';
import { createOnnxExtenderEngine } from '../routing/onnx-extender.js';
import { DIFFUSION_INPAINT, EMBEDDED_INPAINT, ONNX_INPAINT, PATCHMATCH } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'out-paint',
  routes: [
    { option: DIFFUSION_INPAINT, create: createDiffusionExtenderEngine },
    // Extending a border is new content, what diffusion does best: the embedded engine comes before LaMa.
    { option: EMBEDDED_INPAINT, create: createDiffusionExtenderEngine },
    { option: ONNX_INPAINT, create: createOnnxExtenderEngine },
    { option: PATCHMATCH, create: createImageExtenderEngine },
  ],
};
