/**
 * `colorize`: the best installed colorization model (models/adapters/colorize.ts, run in models/model-kernel.ts) predicts a/b; the photo keeps its lightness.
 */
import { createColorizeEngine } from '../neural/colorize.js';
import type { EngineOption } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

const COLORIZE_ONNX: EngineOption = { id: 'onnx-colorize', kind: 'onnx', label: 'DDColor / Zhang et al. colorization (ONNX)', role: 'colorize', signatures: ['ddcolor', 'siggraph17', 'eccv16'] };

export const entry: FeatureEntry = {
  feature: 'colorize',
  routes: [
    { option: COLORIZE_ONNX, create: createColorizeEngine },
  ],
};
