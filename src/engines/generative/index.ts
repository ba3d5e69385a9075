import type { EngineFactory } from '../engine.js';
import type { FeatureId } from '../../features/table.js';
import { hairEngine } from './hair/engine.js';
import { createObjReplaceEngine } from './obj-replace.js';
import { createTextToImageEngine } from './text-to-image.js';

/** Diffusion-backed features: text-to-image, obj-replace, hair-style, hair-ext, hair-bang, hair-vol. */
export const generativeEngines: Partial<Record<FeatureId, EngineFactory>> = {
  'text-to-image': createTextToImageEngine,
  'obj-replace': createObjReplaceEngine,
  'hair-style': hairEngine('hair-style'),
  'hair-ext': hairEngine('hair-ext'),
  'hair-bang': hairEngine('hair-bang'),
  'hair-vol': hairEngine('hair-vol'),
};

export { createDiffusionClient, type DiffusionClient } from './backends/client.js';
export { sharedDiffusionClient } from './shared.js';
