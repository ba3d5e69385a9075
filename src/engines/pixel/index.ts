import type { EngineFactory } from '../engine.js';
import type { FeatureId } from '../../features/table.js';
import { createColorCorrectEngine } from './color-correct.js';
import { createColorizeEngine } from './colorize.js';
import { createImageExtenderEngine } from './image-extender.js';
import { createLightingEngine } from './lighting.js';
import { createObjectRemovalEngine } from './object-removal.js';
import { createVideoEnhanceEngine } from './video-enhance.js';

/** Classical pixel engines: color-correct, obj-removal, out-paint, lighting, colorize, video-sr. */
export const pixelEngines: Partial<Record<FeatureId, EngineFactory>> = {
  'color-correct': createColorCorrectEngine,
  'obj-removal': createObjectRemovalEngine,
  'out-paint': createImageExtenderEngine,
  lighting: createLightingEngine,
  colorize: createColorizeEngine,
  'video-sr': createVideoEnhanceEngine,
};
