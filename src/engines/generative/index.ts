import type { EngineFactory } from '../engine.js';
import type { FeatureId } from '../../features/table.js';

/** Diffusion-backed features: text-to-image, obj-replace, hair-style, hair-ext, hair-bang, hair-vol. */
export const generativeEngines: Partial<Record<FeatureId, EngineFactory>> = {};
