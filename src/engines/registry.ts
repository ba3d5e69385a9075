import { FEATURES, type FeatureId } from '../features/table.js';
import type { Engine, EngineDeps, EngineFactory } from './engine.js';
import { faceEngines } from './face/index.js';
import { generativeEngines } from './generative/index.js';
import { neuralEngines } from './neural/index.js';
import { pixelEngines } from './pixel/index.js';
import { unavailableEngine } from './unavailable.js';

const FACTORIES: Partial<Record<FeatureId, EngineFactory>> = {
  ...neuralEngines,
  ...faceEngines,
  ...pixelEngines,
  ...generativeEngines,
};

export type EngineRegistry = ReadonlyMap<FeatureId, Engine>;

/** One engine per feature of the table; features without an implementation answer a clear task error. */
export function createEngineRegistry(deps: EngineDeps): EngineRegistry {
  const engines = new Map<FeatureId, Engine>();
  for (const f of FEATURES) {
    const factory = FACTORIES[f.id];
    engines.set(f.id, factory ? factory(deps) : unavailableEngine(f.id, 'no engine is built for this feature yet'));
  }
  return engines;
}
