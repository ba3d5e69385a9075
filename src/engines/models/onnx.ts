import { readFile } from 'node:fs/promises';
import type { InferenceSession } from 'onnxruntime-node';
import type { ModelSpec } from './catalog.js';
import { requireModel } from './resolve.js';

export interface OnnxOptions {
  /** Threads one inference may use; the pool's workers share the machine's cores. */
  intraOpNumThreads?: number;
  /**
   * Free activations after each run instead of keeping them in ORT's arena for the next: ISNet at
   * 1024² otherwise holds ~0.8 GB more for the life of the session.
   */
  releaseBetweenRuns?: boolean;
}

/**
 * Loads a verified ONNX model (one file, or chunks concatenated in catalog order) into an
 * onnxruntime-node session on the CPU.
 */
export async function createOnnxSession(spec: ModelSpec, modelsDir: string, opts: OnnxOptions = {}): Promise<InferenceSession> {
  if (spec.runtime !== 'onnxruntime') throw new Error(`model ${spec.name} is not an ONNX model`);
  const model = await requireModel(spec, modelsDir);
  const parts = await Promise.all(model.files.map((f) => readFile(f)));
  const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const ort = await import('onnxruntime-node');
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    ...(opts.releaseBetweenRuns ? { enableCpuMemArena: false, enableMemPattern: false } : {}),
  });
}
