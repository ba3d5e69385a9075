import type { FeatureId } from '../../features/table.js';
import type { EngineFactory } from '../engine.js';
import type { EngineOption } from '../routing/options.js';

/** One row of a feature's preference list: a way to serve it and the engine that does. */
export interface EngineRoute {
  option: EngineOption;
  create: EngineFactory;
}

/**
 * What serves one feature: its engines, best first (routing/preference.ts picks the first ready
 * one per task). Routes naming the same factory share one engine instance.
 */
export interface FeatureEntry {
  feature: FeatureId;
  routes: readonly EngineRoute[];
}
