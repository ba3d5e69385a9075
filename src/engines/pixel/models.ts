import { mainFile } from '../models/refs.js';
import { bestModel } from '../models/select.js';

/** The roles the pixel engines use a model for. */
export const MODEL_ROLES = { inpaint: 'inpaint', colorize: 'colorize' } as const;

export type ModelKind = keyof typeof MODEL_ROLES;

/**
 * The best present catalog model of a kind (`<modelsDir>/<name>/<file>`), as the path of its first
 * file; undefined when none is installed. Checksums are verified when the model is loaded.
 */
export function findModel(modelsDir: string, kind: ModelKind): string | undefined {
  if (!modelsDir) return undefined;
  const spec = bestModel(MODEL_ROLES[kind], modelsDir);
  return spec ? mainFile(spec, modelsDir) : undefined;
}
