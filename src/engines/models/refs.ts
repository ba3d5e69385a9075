import path from 'node:path';
import type { ModelSpec } from './catalog.js';
import type { ModelRef } from './onnx.js';
import { findModel, modelDir } from './resolve.js';

/** The first file of a present model (what engines show and hand to workers). */
export function mainFile(spec: ModelSpec, modelsDir: string): string | undefined {
  return findModel(spec, modelsDir).resolved?.files[0];
}

/** The model a file inside `<modelsDir>/<name>/` belongs to. */
export function refFromFile(file: string): ModelRef {
  const dir = path.dirname(file);
  return { name: path.basename(dir), modelsDir: path.dirname(dir) };
}

export function refFor(spec: ModelSpec, modelsDir: string): ModelRef {
  return { name: path.basename(modelDir(modelsDir, spec)), modelsDir };
}
