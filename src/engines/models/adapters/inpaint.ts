import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { interleavedBytes, planarFloat } from './tensors.js';

/** LaMa and MI-GAN are trained at 512². */
export const INPAINT_SIZE = 512;

export interface InpaintInput {
  /** Interleaved RGB, size². */
  rgb: Uint8Array;
  /** One byte per pixel, non-zero = fill. */
  hole: Uint8Array;
  size: number;
}

/**
 * Runs an inpainting model on a size² crop.
 * - `lama` (Carve/LaMa-ONNX `lama_fp32.onnx`): `image` float32 [1,3,S,S] RGB 0..1 and `mask`
 *   float32 [1,1,S,S], 1 = fill → `output` [1,3,S,S]. Carve's export multiplies by 255 inside the
 *   graph, other exports answer 0..1: the catalog declares which (`outputScale`), and a model that
 *   does not is calibrated once (`calibratedScale`); the photo's own values never decide it, so a dark
 *   crop is read like a bright one.
 * - `migan` (MI-GAN `migan_pipeline_v2.onnx`): `image` uint8 [1,3,S,S] RGB and `mask` uint8 [1,1,S,S]
 *   where **255 = keep, 0 = fill** → `result` uint8 [1,3,S,S].
 */
export async function runInpaint(session: InferenceSession, signature: 'lama' | 'migan', req: InpaintInput, declaredScale?: 1 | 255): Promise<Uint8Array> {
  const data = await inferInpaint(session, signature, req);
  const n = req.size * req.size;
  if (data instanceof Uint8Array) return interleavedBytes(data, n, (v) => v);
  const scale = declaredScale ?? (await calibratedScale(session, signature, req.size));
  return interleavedBytes(data, n, (v) => v * scale);
}

async function inferInpaint(session: InferenceSession, signature: 'lama' | 'migan', req: InpaintInput): Promise<Float32Array | Uint8Array> {
  const ort = await import('onnxruntime-node');
  const S = req.size;
  const n = S * S;
  const maskName = session.inputNames.find((x) => /mask/i.test(x)) ?? session.inputNames[1];
  const imageName = session.inputNames.find((x) => x !== maskName) ?? session.inputNames[0];
  let feeds: Record<string, Tensor>;
  if (signature === 'migan') {
    const img = new Uint8Array(3 * n);
    const m = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) img[c * n + i] = req.rgb[3 * i + c];
      m[i] = req.hole[i] ? 0 : 255;
    }
    feeds = { [imageName]: new ort.Tensor('uint8', img, [1, 3, S, S]), [maskName]: new ort.Tensor('uint8', m, [1, 1, S, S]) };
  } else {
    const m = new Float32Array(n);
    for (let i = 0; i < n; i++) m[i] = req.hole[i] ? 1 : 0;
    feeds = {
      [imageName]: new ort.Tensor('float32', planarFloat(req.rgb, n, (v) => v / 255), [1, 3, S, S]),
      [maskName]: new ort.Tensor('float32', m, [1, 1, S, S]),
    };
  }
  const result = await session.run(feeds);
  return result[session.outputNames[0]].data as Float32Array | Uint8Array;
}

const calibrations = new WeakMap<InferenceSession, Promise<number>>();

/**
 * The output scale of a float inpainting model that declares none, learned once per session: a
 * mid-grey crop (128) with a small hole goes through the model, and the known pixels come back near
 * 0.5 (output 0..1, scale 255) or near 128 (output 0..255, scale 1).
 */
export function calibratedScale(session: InferenceSession, signature: 'lama' | 'migan', size: number): Promise<number> {
  let p = calibrations.get(session);
  if (!p) {
    p = (async () => {
      const n = size * size;
      const hole = new Uint8Array(n);
      const q = size >> 2;
      for (let y = q; y < size - q; y++) hole.fill(1, y * size + q, y * size + size - q);
      const out = await inferInpaint(session, signature, { rgb: new Uint8Array(3 * n).fill(128), hole, size });
      const known: number[] = [];
      for (let i = 0; i < n; i += 7) if (!hole[i]) known.push(out[i]);
      known.sort((a, b) => a - b);
      return known[known.length >> 1] > 8 ? 1 : 255;
    })();
    p.catch(() => calibrations.delete(session));
    calibrations.set(session, p);
  }
  return p;
}
