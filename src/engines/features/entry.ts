import type { FeatureId } from '../../features/table.js';
import type { EngineFactory } from '../engine.js';
import { DIFFUSION, EMBEDDED, type EngineOption } from '../routing/options.js';

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

/**
 * A generative feature: a configured diffusion backend first, else the embedded CPU diffusion when its
 * model is installed. One engine serves both routes: it takes whichever client is there.
 */
export function generativeEntry(feature: FeatureId, create: EngineFactory): FeatureEntry {
  return { feature, routes: [{ option: DIFFUSION, create }, { option: EMBEDDED, create }] };
}
