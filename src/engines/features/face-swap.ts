/**
 * `face-swap`: faces found and mapped (face/analysis.ts, face/mapping.ts), then each reference identity put on its target face:
 * inswapper with an ArcFace identity (face/neural-swap-kernel.ts) when both are installed, else a landmark mesh warp (face/swap-kernel.ts).
 */
import type { EngineFactory } from '../engine.js';
import { createFaceSwapEngine } from '../face/swap-engine.js';
import type { EngineOption } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

const FACE_SWAP_ONNX: EngineOption = {
  id: 'onnx-face-swap',
  kind: 'onnx',
  label: 'inswapper 128 + ArcFace identity swap (ONNX)',
  role: 'face-swap',
  signatures: ['inswapper'],
  alsoNeeds: [{ role: 'face-embedding', signatures: ['arcface'] }],
};
const LANDMARK_WARP: EngineOption = { id: 'landmark-warp', kind: 'builtin', label: 'classical mesh-warp face swap' };
const onnxSwap: EngineFactory = (deps) => createFaceSwapEngine(deps, 'onnx');
const classicalSwap: EngineFactory = (deps) => createFaceSwapEngine(deps, 'classical');

export const entry: FeatureEntry = {
  feature: 'face-swap',
  routes: [
    { option: FACE_SWAP_ONNX, create: onnxSwap },
    { option: LANDMARK_WARP, create: classicalSwap },
  ],
};
