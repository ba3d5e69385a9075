import { MODELS, type ModelSpec } from './catalog.js';
import { findModel } from './resolve.js';

export interface ModelStatus {
  name: string;
  features: readonly string[];
  implementation: string;
  runtime: ModelSpec['runtime'];
  available: boolean;
  origin?: 'package' | 'models-dir';
  dir?: string;
  reason?: string;
}

/** Every catalog model with whether its files are present (presence only; loading verifies hashes). */
export function listModels(modelsDir: string): ModelStatus[] {
  return MODELS.map((spec) => {
    const { resolved, reason } = findModel(spec, modelsDir);
    return {
      name: spec.name,
      features: spec.features,
      implementation: spec.implementation,
      runtime: spec.runtime,
      available: Boolean(resolved),
      origin: resolved?.origin,
      dir: resolved?.dir,
      reason,
    };
  });
}

/** One row of `darkroom models list`. */
export interface ModelsListRow {
  feature: string;
  implementation: string;
  available: boolean;
  reason: string;
}

/** Rows for the CLI: one per (feature, model) pair of this area's models. */
export function modelsListRows(modelsDir: string): ModelsListRow[] {
  return listModels(modelsDir).flatMap((m) =>
    m.features.map((feature) => ({
      feature,
      implementation: `${m.name}: ${m.implementation}`,
      available: m.available,
      reason: m.available ? `from ${m.origin === 'package' ? 'npm package' : 'models dir'} ${m.dir}` : (m.reason ?? ''),
    })),
  );
}
