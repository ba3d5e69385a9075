/**
 * `face-swap/pre-process`: face detection and landmarks (face/analysis.ts, face/align.ts): the faces of a photo, left to right.
 */
import { createFaceDetectEngine } from '../face/detect-engine.js';
import { BUILTIN } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'face-swap/pre-process',
  routes: [
    { option: BUILTIN, create: createFaceDetectEngine },
  ],
};
