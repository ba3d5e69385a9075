import type { EngineFactory } from '../engine.js';
import type { FeatureId } from '../../features/table.js';
import { createFaceDetectEngine } from './detect-engine.js';
import { createMakeupTransferEngine } from './makeup-engine.js';
import { createFaceSwapEngine } from './swap-engine.js';

/** Face features: face-swap/pre-process, face-swap, mu-trans-rec. */
export const faceEngines: Partial<Record<FeatureId, EngineFactory>> = {
  'face-swap/pre-process': createFaceDetectEngine,
  'face-swap': createFaceSwapEngine,
  'mu-trans-rec': createMakeupTransferEngine,
};
