import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TF from '@tensorflow/tfjs';
import { packageDir } from '../models/resolve.js';

let ready: Promise<typeof TF> | undefined;

interface WeightsGroup {
  paths: string[];
  weights: TF.io.WeightsManifestEntry[];
}

/** Answers tfjs `file://` model URLs from disk (tfjs has no file loader without tfjs-node). */
function fileRouter(tf: typeof TF) {
  return (url: string | string[]): TF.io.IOHandler | null => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const file = fileURLToPath(url);
    return {
      async load() {
        const json = JSON.parse(await readFile(file, 'utf8')) as {
          modelTopology: object;
          weightsManifest: WeightsGroup[];
          format?: string;
          generatedBy?: string;
          convertedBy?: string;
          signature?: object;
          userDefinedMetadata?: Record<string, object>;
          modelInitializer?: object;
        };
        const dir = path.dirname(file);
        const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFile(path.join(dir, p)))));
        const all = Buffer.concat(shards);
        return {
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
          weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy ?? undefined,
          // Graph models name their inputs/outputs in `signature`; dropping it breaks models loaded later in the same thread.
          signature: json.signature,
          userDefinedMetadata: json.userDefinedMetadata,
          modelInitializer: json.modelInitializer,
        };
      },
    };
  };
}

/**
 * tfjs on the WebAssembly backend (SIMD, one thread per worker: the pool gives the parallelism),
 * initialised once per worker thread, with the `file://` load router registered.
 */
export function tfjsWasm(): Promise<typeof TF> {
  ready ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = packageDir('@tensorflow/tfjs-backend-wasm');
    if (!dir) throw new Error('@tensorflow/tfjs-backend-wasm is not installed');
    wasm.setWasmPaths(`${path.join(dir, 'dist')}/`);
    tf.io.registerLoadRouter(fileRouter(tf) as Parameters<typeof TF.io.registerLoadRouter>[0]);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
    tf.enableProdMode();
    return tf;
  })();
  return ready;
}
