import { FEATURES, type FeatureId } from '../features/table.js';
import type { Engine, EngineDeps, EngineFactory } from './engine.js';
import { faceEngines } from './face/index.js';
import { generativeEngines } from './generative/index.js';
import { neuralEngines } from './neural/index.js';
import { pixelEngines } from './pixel/index.js';
import { createDiffusionExtenderEngine, createDiffusionRemovalEngine } from './routing/diffusion-fill.js';
import { createOnnxExtenderEngine } from './routing/onnx-extender.js';
import { routedEngine, withEngineMeta } from './routing/routed-engine.js';
import { unavailableEngine } from './unavailable.js';

const FACTORIES: Partial<Record<FeatureId, EngineFactory>> = {
  ...neuralEngines,
  ...faceEngines,
  ...pixelEngines,
  ...generativeEngines,
};

export type EngineRegistry = ReadonlyMap<FeatureId, Engine>;

/** The engines of features with more than one (see routing/preference.ts), keyed by option id. */
function routedFeature(id: FeatureId, deps: EngineDeps, base: Engine): Engine | undefined {
  if (id === 'obj-removal') {
    const diffusion = createDiffusionRemovalEngine(deps);
    return routedEngine(id, deps.config, { 'diffusion-inpaint': diffusion, 'onnx-inpaint': base, 'embedded-inpaint': diffusion, patchmatch: base }, base);
  }
  if (id === 'out-paint') {
    const diffusion = createDiffusionExtenderEngine(deps);
    return routedEngine(id, deps.config, { 'diffusion-inpaint': diffusion, 'embedded-inpaint': diffusion, 'onnx-inpaint': createOnnxExtenderEngine(deps), patchmatch: base }, base);
  }
  return undefined;
}

/** Names the engine that ran in every result's meta (its implementation, when it did not say). */
function naming(engine: Engine): Engine {
  return {
    feature: engine.feature,
    availability: () => engine.availability(),
    run: async (job, ctx) => withEngineMeta(await engine.run(job, ctx), engine.availability().implementation ?? engine.feature),
    warmUp: engine.warmUp && (() => engine.warmUp!()),
    close: engine.close && (() => engine.close!()),
  };
}

/** One engine per feature of the table; features without an implementation answer a clear task error. */
export function createEngineRegistry(deps: EngineDeps): EngineRegistry {
  const engines = new Map<FeatureId, Engine>();
  for (const f of FEATURES) {
    const factory = FACTORIES[f.id];
    if (!factory) {
      engines.set(f.id, unavailableEngine(f.id, 'no engine is built for this feature yet'));
      continue;
    }
    const base = factory(deps);
    engines.set(f.id, naming(routedFeature(f.id, deps, base) ?? base));
  }
  return engines;
}
