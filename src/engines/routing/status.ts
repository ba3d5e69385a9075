import type { EngineConfig } from '../engine.js';
import { FEATURES, type FeatureId } from '../../features/table.js';
import type { EngineRegistry } from '../registry.js';
import { BUILTIN } from './options.js';
import { routeFeature } from './preference.js';

export interface FeatureStatus {
  feature: FeatureId;
  available: boolean;
  /** The engine serving the feature now. */
  engine?: string;
  /** What would serve it better, and how to get it. */
  upgrade?: string;
  reason?: string;
}

/** Per feature: the serving engine now and what would upgrade it (for `models list` and /readyz). */
export function featureStatus(config: EngineConfig, engines: EngineRegistry): FeatureStatus[] {
  return FEATURES.map((f) => {
    const a = engines.get(f.id)?.availability() ?? { available: false, reason: 'no engine' };
    const route = routeFeature(f.id, config);
    const upgrade = route?.upgrades.map((u) => `${u.option.label}: ${u.how}`).join('; ') || undefined;
    // A feature with one built-in engine is named by that engine's own description.
    const listed = route?.serving && route.serving !== BUILTIN ? route.serving : undefined;
    const engine = a.available ? (listed ? `${listed.label}${route?.model ? ` [${route.model}]` : ''}` : a.implementation) : undefined;
    return { feature: f.id, available: a.available, engine, upgrade, reason: a.available ? undefined : a.reason };
  });
}
