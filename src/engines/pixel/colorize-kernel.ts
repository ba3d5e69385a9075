import type { ColorizeRequest } from './colorize.js';
import { labToRgbAt, rgbToLab } from '../lab.js';
import { sessionFor } from './onnx-session.js';

/**
 * DDColor-style colorization in a worker: the model sees the photo's lightness (as gray RGB) at
 * 512², predicts Lab a/b, which is upsampled bilinearly and recombined with the full-resolution
 * lightness, so detail comes from the original and only colour from the model.
 */
export async function colorizeKernel(req: ColorizeRequest): Promise<Uint8Array> {
  const ort = await import('onnxruntime-node');
  const session = await sessionFor(req.modelPath);
  const S = Math.round(Math.sqrt(req.grayInput.length));
  const n = S * S;
  const input = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) input[c * n + i] = req.grayInput[i] / 255;
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, S, S]) });
  const ab = result[session.outputNames[0]].data as Float32Array;
  if (ab.length !== 2 * n) throw new Error(`model returned ${ab.length} values, expected a/b planes of ${S}x${S}`);
  const { width: w, height: h, rgb } = req;
  const out = new Uint8Array(w * h * 3);
  const lab = rgbToLab(rgb, 3, w * h);
  for (let y = 0; y < h; y++) {
    const fy = Math.min(S - 1, Math.max(0, ((y + 0.5) * S) / h - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(S - 1, y0 + 1), ay = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(S - 1, Math.max(0, ((x + 0.5) * S) / w - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(S - 1, x0 + 1), ax = fx - x0;
      const sample = (plane: number) => {
        const o = plane * n;
        return (ab[o + y0 * S + x0] * (1 - ax) + ab[o + y0 * S + x1] * ax) * (1 - ay) + (ab[o + y1 * S + x0] * (1 - ax) + ab[o + y1 * S + x1] * ax) * ay;
      };
      const p = (y * w + x) * 3;
      labToRgbAt(lab[p], sample(0), sample(1), out, p);
    }
  }
  return out;
}
