import type { EngineFactory } from '../engine.js';
import type { FeatureId } from '../../features/table.js';

/** Face features: face-swap/pre-process, face-swap, mu-trans-rec. */
export const faceEngines: Partial<Record<FeatureId, EngineFactory>> = {};
