/**
 * Functions the pixel engines run inside pool worker threads (see `WorkerPool.run`): everything
 * that loops over every pixel or runs a model.
 */
import { dilateMask, fillHole, type FillRequest } from './hole-fill.js';
import { sessionFor, inputType } from './onnx-session.js';
import { relight, type RelightRequest } from './relight.js';
import { liftFaces, type FaceLiftRequest } from './face-light.js';

export function fillHoleKernel(req: FillRequest): Uint8Array {
  return fillHole(req);
}

export interface NeuralInpaintRequest {
  modelPath: string;
  /** RGB bytes, size × size. */
  rgb: Uint8Array;
  /** 1 byte per pixel, non-zero = fill. */
  hole: Uint8Array;
  size: number;
}

/**
 * LaMa-style signature: `image` [1,3,S,S] float 0..1 and `mask` [1,1,S,S] float (1 = fill) → [1,3,S,S]
 * in 0..1 or 0..255. MI-GAN's exported pipeline takes uint8 and a mask where 255 = keep; both are
 * recognised from the input types.
 */
export async function neuralInpaintKernel(req: NeuralInpaintRequest): Promise<Uint8Array> {
  const ort = await import('onnxruntime-node');
  const session = await sessionFor(req.modelPath);
  const n = req.size * req.size;
  const maskName = session.inputNames.find((x) => /mask/i.test(x)) ?? session.inputNames[1];
  const imageName = session.inputNames.find((x) => x !== maskName) ?? session.inputNames[0];
  const uint8 = inputType(session, imageName) === 'uint8';
  const dims = [1, 3, req.size, req.size];
  const mdims = [1, 1, req.size, req.size];
  let feeds: Record<string, InstanceType<typeof ort.Tensor>>;
  if (uint8) {
    const img = new Uint8Array(3 * n);
    const m = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) img[c * n + i] = req.rgb[3 * i + c];
      m[i] = req.hole[i] ? 0 : 255;
    }
    feeds = { [imageName]: new ort.Tensor('uint8', img, dims), [maskName]: new ort.Tensor('uint8', m, mdims) };
  } else {
    const img = new Float32Array(3 * n);
    const m = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) img[c * n + i] = req.rgb[3 * i + c] / 255;
      m[i] = req.hole[i] ? 1 : 0;
    }
    feeds = { [imageName]: new ort.Tensor('float32', img, dims), [maskName]: new ort.Tensor('float32', m, mdims) };
  }
  const result = await session.run(feeds);
  const out = result[session.outputNames[0]];
  const data = out.data as Float32Array | Uint8Array;
  if (data.length !== 3 * n) throw new Error(`inpainting model returned ${data.length} values, expected ${3 * n}`);
  let scale = 1;
  if (!(data instanceof Uint8Array)) {
    let max = 0;
    for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
    scale = max <= 1.5 ? 255 : 1;
  }
  const rgb = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.max(0, Math.min(255, Math.round(data[c * n + i] * scale)));
  }
  return rgb;
}

/** The grown mask and its feather weights (1 inside the mask, falling to 0 across the growth ring). */
export function growMaskKernel(req: { hole: Uint8Array; width: number; height: number; dilate: number }): { grown: Uint8Array; alpha: Float32Array } {
  const { grown, distToHole } = dilateMask(req.hole, req.width, req.height, req.dilate);
  const alpha = new Float32Array(grown.length);
  for (let i = 0; i < grown.length; i++) alpha[i] = req.hole[i] ? 1 : grown[i] ? 1 - distToHole[i] / (req.dilate + 1) : 0;
  return { grown, alpha };
}

export function relightKernel(req: RelightRequest): Uint8Array {
  return relight(req);
}

export function liftFacesKernel(req: FaceLiftRequest): Uint8Array {
  return liftFaces(req);
}
