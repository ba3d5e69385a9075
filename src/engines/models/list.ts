import { allModels } from './local-catalog.js';
import type { ModelSpec } from './catalog.js';
import { partialFiles } from './pull.js';
import { findModel } from './resolve.js';

export interface ModelStatus {
  name: string;
  features: readonly string[];
  implementation: string;
  runtime: ModelSpec['runtime'];
  available: boolean;
  /** installed, missing, or partial (a download was interrupted; `pull` continues it). */
  state: 'installed' | 'missing' | 'partial';
  origin?: 'package' | 'models-dir';
  dir?: string;
  reason?: string;
  sizeMB?: number;
  license: string;
  source?: string;
  checksum: ModelSpec['checksum'];
  /** Whether an engine uses the model today. */
  wired: boolean;
}

/** Every catalog model with whether its files are present (presence only; loading verifies hashes). */
export function listModels(modelsDir: string): ModelStatus[] {
  return allModels(modelsDir).map((spec) => {
    const { resolved, reason } = findModel(spec, modelsDir);
    const partial = !resolved && modelsDir && partialFiles(spec, modelsDir).length > 0;
    return {
      name: spec.name,
      features: spec.features,
      implementation: spec.implementation,
      runtime: spec.runtime,
      available: Boolean(resolved),
      state: resolved ? 'installed' : partial ? 'partial' : 'missing',
      origin: resolved?.origin,
      dir: resolved?.dir,
      reason,
      sizeMB: spec.sizeMB,
      license: spec.license,
      source: spec.source ?? spec.url,
      checksum: spec.checksum,
      wired: spec.wired !== false,
    };
  });
}

/** One row of the per-feature model listing. */
export interface ModelsListRow {
  feature: string;
  implementation: string;
  available: boolean;
  reason: string;
}

/** Rows: one per (feature, model) pair. */
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
