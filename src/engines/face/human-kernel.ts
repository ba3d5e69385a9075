/**
 * Worker-side face model: @vladmandic/human on the tfjs WASM backend, loaded once per worker thread.
 * Runs only inside the engine pool (see analysis.ts); everything it returns is plain data.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The package's `exports` map sends Node to a tfjs-node build that cannot install here: load the WASM build by path. */
const humanDist = path.dirname(require.resolve('@vladmandic/human'));
const humanModels = path.join(humanDist, '..', 'models');
const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));

export interface RawFace {
  /** x, y, width, height in pixels of the image given. */
  box: [number, number, number, number];
  score: number;
  mesh: [number, number][];
  /** Radians, as the model reports them. */
  angle: { pitch: number; yaw: number; roll: number };
}

export interface RawKeypoint {
  part: string;
  score: number;
  position: [number, number];
}

export interface RawDetection {
  faces: RawFace[];
  body: RawKeypoint[];
}

interface HumanFace {
  box: [number, number, number, number];
  score: number;
  mesh: [number, number, number?][];
  rotation?: { angle: { pitch: number; yaw: number; roll: number } } | null;
}
interface HumanBody {
  score: number;
  keypoints: { part: string; score: number; position: [number, number, number?] }[];
}
interface HumanInstance {
  load(): Promise<void>;
  detect(input: unknown): Promise<{ face: HumanFace[]; body: HumanBody[]; error?: string | null }>;
  tf: { tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void } };
}

/** Human reads models and the .wasm binaries through fetch(file://…); Node's fetch refuses file: URLs, so answer those from disk. */
function answerFileUrlsFromDisk(): void {
  const marker = Symbol.for('darkroom.face.fileFetch');
  const g = globalThis as unknown as Record<symbol, unknown>;
  if (g[marker]) return;
  g[marker] = true;
  const previous = globalThis.fetch;
  const roots = [humanModels, wasmDist].map((r) => path.resolve(r) + path.sep);
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith('file:')) {
      const file = path.resolve(fileURLToPath(url));
      if (!roots.some((r) => file.startsWith(r))) return new Response(null, { status: 403 });
      try {
        const body = await readFile(file);
        const type = file.endsWith('.json') ? 'application/json' : file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
        return new Response(body, { status: 200, headers: { 'content-type': type } });
      } catch {
        return new Response(null, { status: 404 });
      }
    }
    return previous(input, init);
  }) as typeof fetch;
}

let loading: Promise<HumanInstance> | undefined;

function loadHuman(): Promise<HumanInstance> {
  if (!loading) {
    loading = (async () => {
      answerFileUrlsFromDisk();
      const { Human } = require(path.join(humanDist, 'human.node-wasm.js')) as { Human: new (cfg: unknown) => HumanInstance };
      const human = new Human({
        backend: 'wasm',
        wasmPath: pathToFileURL(wasmDist).href + '/',
        modelBasePath: pathToFileURL(humanModels).href + '/',
        // Frames are unrelated photos: never reuse a previous result.
        cacheSensitivity: 0,
        debug: false,
        face: {
          enabled: true,
          detector: { rotation: true, maxDetected: 20, minConfidence: 0.3, iouThreshold: 0.1, return: false },
          mesh: { enabled: true },
          iris: { enabled: true },
          attention: { enabled: false },
          description: { enabled: false },
          emotion: { enabled: false },
          antispoof: { enabled: false },
          liveness: { enabled: false },
        },
        body: { enabled: true, modelPath: 'movenet-lightning.json', maxDetected: 1, minConfidence: 0.1 },
        hand: { enabled: false },
        object: { enabled: false },
        gesture: { enabled: false },
        segmentation: { enabled: false },
        filter: { enabled: false },
      });
      await human.load();
      return human;
    })();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

export async function warmUp(): Promise<boolean> {
  await loadHuman();
  return true;
}

export interface DetectArgs {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

function toRgb({ data, width, height, channels }: DetectArgs): Uint8Array {
  if (channels === 3) return data;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < out.length; i += channels, o += 3) {
    out[o] = data[i];
    out[o + 1] = data[channels === 1 ? i : i + 1];
    out[o + 2] = data[channels === 1 ? i : i + 2];
  }
  return out;
}

export async function detect(args: DetectArgs): Promise<RawDetection> {
  const human = await loadHuman();
  const tensor = human.tf.tensor3d(toRgb(args), [args.height, args.width, 3], 'int32');
  try {
    const res = await human.detect(tensor);
    if (res.error) throw new Error(`face model failed: ${res.error}`);
    const faces: RawFace[] = res.face.map((f) => ({
      box: [f.box[0], f.box[1], f.box[2], f.box[3]],
      score: f.score,
      mesh: f.mesh.map((p) => [p[0], p[1]] as [number, number]),
      angle: f.rotation?.angle ?? { pitch: NaN, yaw: NaN, roll: NaN },
    }));
    const body = (res.body[0]?.keypoints ?? []).map((k) => ({ part: k.part, score: k.score, position: [k.position[0], k.position[1]] as [number, number] }));
    return { faces, body };
  } finally {
    tensor.dispose();
  }
}
