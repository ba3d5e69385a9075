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
 *   graph; other exports answer 0..1, so the range is read from the values.
 * - `migan` (MI-GAN `migan_pipeline_v2.onnx`): `image` uint8 [1,3,S,S] RGB and `mask` uint8 [1,1,S,S]
 *   where **255 = keep, 0 = fill** → `result` uint8 [1,3,S,S].
 */
export async function runInpaint(session: InferenceSession, signature: 'lama' | 'migan', req: InpaintInput): Promise<Uint8Array> {
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
  const data = result[session.outputNames[0]].data as Float32Array | Uint8Array;
  if (data instanceof Uint8Array) return interleavedBytes(data, n, (v) => v);
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  const scale = max <= 1.5 ? 255 : 1;
  return interleavedBytes(data, n, (v) => v * scale);
}
