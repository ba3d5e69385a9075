import type { EngineFactory } from '../engine.js';
import type { FeatureId } from '../../features/table.js';
import { createBgBlurEngine } from './bg-blur.js';
import { createBgReplaceEngine } from './bg-replace.js';
import { createEnhanceEngine } from './enhance.js';
import { createSodEngine } from './sod.js';

/** Neural features (issue: engine runtime): enhance, sod, bg-replace, bg-blur. */
export const neuralEngines: Partial<Record<FeatureId, EngineFactory>> = {
  enhance: (deps) => createEnhanceEngine(deps),
  sod: createSodEngine,
  'bg-replace': createBgReplaceEngine,
  'bg-blur': createBgBlurEngine,
};
