import type { EngineFactory } from '../engine.js';
import type { FeatureId } from '../../features/table.js';
import { createColorCorrectEngine } from './color-correct.js';

/** Classical pixel engines: color-correct, obj-removal, out-paint, lighting, colorize, video-sr. */
export const pixelEngines: Partial<Record<FeatureId, EngineFactory>> = {
  'color-correct': createColorCorrectEngine,
};
