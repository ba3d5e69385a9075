import type { ModelRole, ModelSignature, ModelSpec } from './catalog.js';
import { allModels } from './local-catalog.js';
import { findModel } from './resolve.js';

/**
 * Models of a role whose files are present (npm package or `<modelsDir>/<name>/`), best first:
 * by catalog rank, then catalog order. Presence only; loading verifies checksums.
 */
export function presentModels(role: ModelRole, modelsDir: string, signatures?: readonly ModelSignature[]): ModelSpec[] {
  return allModels(modelsDir)
    .filter((m) => m.role === role && (!signatures || (m.signature && signatures.includes(m.signature))))
    .filter((m) => findModel(m, modelsDir).resolved && (m.requires ?? []).every((r) => {
      const dep = allModels(modelsDir).find((x) => x.name === r);
      return dep !== undefined && findModel(dep, modelsDir).resolved !== undefined;
    }))
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (b.m.rank ?? 0) - (a.m.rank ?? 0) || a.i - b.i)
    .map(({ m }) => m);
}

export function bestModel(role: ModelRole, modelsDir: string, signatures?: readonly ModelSignature[]): ModelSpec | undefined {
  return presentModels(role, modelsDir, signatures)[0];
}

/** Catalog models of a role, best first, present or not (what would upgrade a feature). */
export function catalogModels(role: ModelRole, modelsDir: string): ModelSpec[] {
  return allModels(modelsDir)
    .filter((m) => m.role === role)
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (b.m.rank ?? 0) - (a.m.rank ?? 0) || a.i - b.i)
    .map(({ m }) => m);
}
