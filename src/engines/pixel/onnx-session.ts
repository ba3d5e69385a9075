import type { InferenceSession } from 'onnxruntime-node';
import { refFromFile } from '../models/refs.js';
import { inputType as modelInputType, sessionFor as modelSession } from '../models/onnx.js';

/**
 * A model file inside `<modelsDir>/<name>/` → its verified session (the catalog's one loader; kept
 * for callers that still pass a file path).
 */
export function sessionFor(modelPath: string): Promise<InferenceSession> {
  return modelSession(refFromFile(modelPath));
}

export const inputType = modelInputType;
