import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Operator-installed ONNX weights the pixel engines look for in `engines.modelsDir` (or its
 * `inpaint/` and `colorize/` sub-folders). The first file found wins.
 */
export const MODEL_FILES = {
  inpaint: ['lama.onnx', 'big-lama.onnx', 'lama_fp32.onnx', 'migan.onnx', 'migan_pipeline_v2.onnx'],
  colorize: ['ddcolor.onnx', 'ddcolor_paper_tiny.onnx', 'ddcolor_modelscope.onnx', 'ddcolor_artistic.onnx'],
} as const;

export type ModelKind = keyof typeof MODEL_FILES;

export function findModel(modelsDir: string, kind: ModelKind): string | undefined {
  if (!modelsDir) return undefined;
  for (const dir of [modelsDir, path.join(modelsDir, kind)]) {
    for (const name of MODEL_FILES[kind]) {
      const p = path.join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}
