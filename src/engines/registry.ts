import { FEATURES, type FeatureId } from '../features/table.js';
import type { Engine, EngineDeps, EngineFactory } from './engine.js';
import type { FeatureEntry } from './features/entry.js';
import { FEATURE_ENTRIES } from './features/index.js';
import { routedEngine, withEngineMeta } from './routing/routed-engine.js';
import { unavailableEngine } from './unavailable.js';

export type EngineRegistry = ReadonlyMap<FeatureId, Engine>;

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

/** The feature's engines by option id, routed; routes naming the same factory share one instance. */
function engineOf(entry: FeatureEntry, deps: EngineDeps): Engine {
  const built = new Map<EngineFactory, Engine>();
  const byOption: Record<string, Engine> = {};
  for (const { option, create } of entry.routes) {
    if (!built.has(create)) built.set(create, create(deps));
    byOption[option.id] = built.get(create)!;
  }
  return routedEngine(entry.feature, deps.config, byOption);
}

/** The engine that serves one feature, routed (tests and benches run a feature without the whole registry). */
export function createFeatureEngine(id: FeatureId, deps: EngineDeps): Engine {
  const entry = FEATURE_ENTRIES.find((e) => e.feature === id);
  return entry ? engineOf(entry, deps) : unavailableEngine(id, 'no engine is built for this feature yet');
}

/** One engine per feature of the table; features without an implementation answer a clear task error. */
export function createEngineRegistry(deps: EngineDeps): EngineRegistry {
  return new Map(FEATURES.map((f) => [f.id, naming(createFeatureEngine(f.id, deps))]));
}
