import type { EngineFactory } from '../engine.js';
import type { FeatureId } from '../../features/table.js';

/** Neural features (issue: engine runtime): enhance, sod, bg-replace, bg-blur. */
export const neuralEngines: Partial<Record<FeatureId, EngineFactory>> = {};
