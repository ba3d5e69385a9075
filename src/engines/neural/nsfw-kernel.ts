/** Worker-side NSFW classifier: nsfwjs MobileNetV2 on tfjs-wasm, weights read from its verified files. */
import { createRequire } from 'node:module';
import type { NSFWJS } from 'nsfwjs';
import { modelSpec } from '../models/catalog.js';
import { requireModel } from '../models/resolve.js';
import { tfjsWasm } from '../runtime/tfjs.js';

const require = createRequire(import.meta.url);
let classifier: Promise<NSFWJS> | undefined;

interface LayersJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }[];
}

function loadClassifier(modelsDir: string): Promise<NSFWJS> {
  classifier ??= (async () => {
    const tf = await tfjsWasm();
    const nsfwjs = await import('nsfwjs');
    const model = await requireModel(modelSpec('nsfw-mobilenet-v2'), modelsDir);
    // The package ships its model as UMD bundles: the topology, and the weights as base64.
    const json = require(model.files[0]) as LayersJson;
    const weights = Buffer.from(require(model.files[1]) as string, 'base64');
    const handler = tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    });
    return nsfwjs.load(handler as unknown as string, { size: 224 });
  })();
  classifier.catch(() => (classifier = undefined));
  return classifier;
}

export interface ClassifyArgs {
  modelsDir: string;
  /** 224x224 RGB bytes. */
  rgb: Uint8Array;
}

export async function classifyNsfw(a: ClassifyArgs): Promise<Record<string, number>> {
  const tf = await tfjsWasm();
  const net = await loadClassifier(a.modelsDir);
  const img = tf.tensor3d(a.rgb, [224, 224, 3], 'int32');
  try {
    const preds = await net.classify(img, 5);
    return Object.fromEntries(preds.map((p: { className: string; probability: number }) => [p.className, p.probability]));
  } finally {
    img.dispose();
  }
}

export async function warmNsfw(a: { modelsDir: string }): Promise<void> {
  await loadClassifier(a.modelsDir);
}
