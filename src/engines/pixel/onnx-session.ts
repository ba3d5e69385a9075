import type { InferenceSession } from 'onnxruntime-node';

/** One session per model file per worker thread: ONNX models are loaded once and kept warm. */
const sessions = new Map<string, Promise<InferenceSession>>();

export async function sessionFor(modelPath: string): Promise<InferenceSession> {
  let s = sessions.get(modelPath);
  if (!s) {
    s = import('onnxruntime-node').then((ort) => ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' }));
    sessions.set(modelPath, s);
    s.catch(() => sessions.delete(modelPath));
  }
  return s;
}

/** Element type of a named input, when the runtime exposes metadata (it does from 1.21 on). */
export function inputType(session: InferenceSession, name: string): string | undefined {
  const meta = session.inputMetadata?.find((m) => m.name === name);
  return meta && meta.isTensor ? meta.type : undefined;
}
