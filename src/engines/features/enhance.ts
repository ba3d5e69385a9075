/**
 * `enhance`: tiled super resolution back-projected onto the input (neural/upscale.ts, neural/backproject.ts): an installed Real-ESRGAN
 * (neural/onnx-upscale.ts), else the shipped ESRGAN; scale 1 restores (neural/restore.ts); GFPGAN faces when installed
 * (neural/face-restore.ts). Both routes are one engine: enhance.ts picks the installed network itself.
 */
import type { EngineFactory } from '../engine.js';
import { createEnhanceEngine } from '../neural/enhance.js';
import type { EngineOption } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

const ENHANCE_ONNX: EngineOption = { id: 'onnx-realesrgan', kind: 'onnx', label: 'Real-ESRGAN super resolution (ONNX)', role: 'super-resolution', signatures: ['realesrgan'] };
const ENHANCE_ESRGAN: EngineOption = { id: 'esrgan', kind: 'builtin', label: 'RDN psnr-small (x2, small photos) and ESRGAN slim/medium super resolution (npm weights, run on onnxruntime)' };
const enhance: EngineFactory = (deps) => createEnhanceEngine(deps);

export const entry: FeatureEntry = {
  feature: 'enhance',
  routes: [
    { option: ENHANCE_ONNX, create: enhance },
    { option: ENHANCE_ESRGAN, create: enhance },
  ],
};
