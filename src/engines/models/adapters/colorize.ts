import type { InferenceSession } from 'onnxruntime-node';
import { labToRgbAt, rgbToLab } from '../../lab.js';
import { inputSide } from '../onnx.js';

export type ColorizeSignature = 'ddcolor' | 'eccv16' | 'siggraph17';

/** The side the model's input is resized to: from the model when fixed, else its reference size. */
export function colorizeSide(session: InferenceSession, signature: ColorizeSignature): number {
  return inputSide(session, session.inputNames[0]) ?? (signature === 'ddcolor' ? 512 : 256);
}

/**
 * Predicts Lab a/b planes ([2, S*S], Lab units) for an RGB image already resized to S².
 * - `ddcolor`: `input` float32 [1,3,S,S] is the image's lightness rendered back to RGB (Lab L with
 *   a = b = 0, i.e. gray), 0..1 (S = 512 large, 256 tiny) → `output` [1,2,S,S] a/b.
 * - `eccv16` / `siggraph17` (Zhang et al., clibdev exports): `input` float32 [1,1,256,256] is L in
 *   0..100 (the graph normalises it) → `output` [1,2,256,256] a/b (already un-normalised).
 */
export async function predictAb(session: InferenceSession, signature: ColorizeSignature, rgb: Uint8Array, S: number): Promise<Float32Array> {
  const ort = await import('onnxruntime-node');
  const n = S * S;
  const lab = rgbToLab(rgb, 3, n);
  let input: InstanceType<typeof ort.Tensor>;
  if (signature === 'ddcolor') {
    const gray = new Uint8Array(3 * n);
    for (let i = 0; i < n; i++) labToRgbAt(lab[3 * i], 0, 0, gray, 3 * i);
    const planes = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planes[c * n + i] = gray[3 * i + c] / 255;
    input = new ort.Tensor('float32', planes, [1, 3, S, S]);
  } else {
    const l = new Float32Array(n);
    for (let i = 0; i < n; i++) l[i] = lab[3 * i];
    input = new ort.Tensor('float32', l, [1, 1, S, S]);
  }
  const out = await session.run({ [session.inputNames[0]]: input });
  const ab = out[session.outputNames[0]].data as Float32Array;
  if (ab.length !== 2 * n) throw new Error(`colorization model returned ${ab.length} values, expected a/b planes of ${S}x${S}`);
  return ab;
}

/**
 * Recombines the full-resolution lightness of `rgb` with a/b planes of side S, upsampled
 * bilinearly: detail comes from the original, only colour from the model.
 */
export function recombineLab(rgb: Uint8Array, width: number, height: number, ab: Float32Array, S: number): Uint8Array {
  const n = S * S;
  const out = new Uint8Array(width * height * 3);
  const lab = rgbToLab(rgb, 3, width * height);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(S - 1, Math.max(0, ((y + 0.5) * S) / height - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(S - 1, y0 + 1), ay = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(S - 1, Math.max(0, ((x + 0.5) * S) / width - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(S - 1, x0 + 1), ax = fx - x0;
      const sample = (plane: number) => {
        const o = plane * n;
        return (ab[o + y0 * S + x0] * (1 - ax) + ab[o + y0 * S + x1] * ax) * (1 - ay) + (ab[o + y1 * S + x0] * (1 - ax) + ab[o + y1 * S + x1] * ax) * ay;
      };
      const p = (y * width + x) * 3;
      labToRgbAt(lab[p], sample(0), sample(1), out, p);
    }
  }
  return out;
}
