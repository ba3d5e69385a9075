import { open, stat } from 'node:fs/promises';
import { collectIfAbove } from '../runtime/collect.js';
import type { InferenceSession } from 'onnxruntime-node';
import type { ModelSpec } from './catalog.js';
import { findSpec } from './local-catalog.js';
import { widenFloat16Model } from './onnx-widen.js';
import { requireModel } from './resolve.js';

export interface OnnxOptions {
  /** Threads one inference may use; the pool's workers share the machine's cores. */
  intraOpNumThreads?: number;
  /**
   * Free activations after each run instead of keeping them in ORT's arena for the next: ISNet at
   * 1024² otherwise holds ~0.8 GB more for the life of the session.
   */
  releaseBetweenRuns?: boolean;
  /**
   * 'all' (the default) adds layout transforms that keep a second, repacked copy of the weights;
   * 'extended' stops before them.
   */
  graphOptimizationLevel?: 'extended' | 'all';
  /**
   * Run a half-precision model in single precision (models/onnx-widen.ts): faster on x86 CPUs, which
   * have no float16 convolution, for twice the weights' memory — what 'all' already holds anyway.
   */
  widenFloat16?: boolean;
}

/**
 * Loads a verified ONNX model (one file, or chunks concatenated in catalog order) into an
 * onnxruntime-node session on the CPU. This is the only way an ONNX model is loaded: whatever put
 * the file in place (npm, `darkroom models pull`, a hand copy), its sha256 is checked first.
 */
export async function createOnnxSession(spec: ModelSpec, modelsDir: string, opts: OnnxOptions = {}): Promise<InferenceSession> {
  if (spec.runtime !== 'onnxruntime') throw new Error(`model ${spec.name} is not an ONNX model`);
  const model = await requireModel(spec, modelsDir);
  const ort = await import('onnxruntime-node');
  const bytes = await readChunks(model.files);
  const session = await ort.InferenceSession.create(opts.widenFloat16 ? widenFloat16Model(bytes) : bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    ...(opts.releaseBetweenRuns ? { enableCpuMemArena: false, enableMemPattern: false } : {}),
  });
  // The model's bytes are garbage once the session holds its own copy; a thread runs the model
  // next and would otherwise carry them through that first run, at its memory peak (ISNet: 88 MB).
  collectIfAbove(MODEL_BYTES_WORTH_COLLECTING);
  return session;
}

const MODEL_BYTES_WORTH_COLLECTING = 16 * 2 ** 20;

/** The files one after another in one buffer (chunked models are not copied a second time to join them). */
async function readChunks(files: string[]): Promise<Uint8Array> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const bytes = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const [i, f] of files.entries()) {
    const fh = await open(f);
    try {
      for (let done = 0; done < sizes[i]; ) {
        const { bytesRead } = await fh.read(bytes, at + done, sizes[i] - done, done);
        if (bytesRead === 0) throw new Error(`${f} ended early`);
        done += bytesRead;
      }
    } finally {
      await fh.close();
    }
    at += sizes[i];
  }
  return bytes;
}

/** What a worker kernel receives to load a model: plain data, so it crosses the thread boundary. */
export interface ModelRef {
  name: string;
  modelsDir: string;
}

/** One session per model per worker thread: models are loaded (and verified) once and kept warm. */
const sessions = new Map<string, Promise<InferenceSession>>();

export function sessionFor(ref: ModelRef, opts: OnnxOptions = {}): Promise<InferenceSession> {
  const key = `${ref.modelsDir}\0${ref.name}`;
  let s = sessions.get(key);
  if (!s) {
    const spec = findSpec(ref.name, ref.modelsDir);
    s = spec ? createOnnxSession(spec, ref.modelsDir, opts) : Promise.reject(new Error(`unknown model ${ref.name}`));
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

/** Element type of a named input (onnxruntime exposes metadata from 1.21 on). */
export function inputType(session: InferenceSession, name: string): string | undefined {
  const meta = session.inputMetadata?.find((m) => m.name === name);
  return meta && meta.isTensor ? meta.type : undefined;
}

/** Fixed spatial side of a named input ([1,C,S,S]), or undefined when it is dynamic. */
export function inputSide(session: InferenceSession, name: string): number | undefined {
  const meta = session.inputMetadata?.find((m) => m.name === name);
  if (!meta || !meta.isTensor) return undefined;
  const h = meta.shape[2];
  return typeof h === 'number' && h > 0 ? h : undefined;
}
