import type { InferenceSession } from 'onnxruntime-node';
import { interleavedBytes, planarFloat } from './tensors.js';

/** GFPGAN's aligned face crop side. */
export const GFPGAN_SIZE = 512;
/** ArcFace's aligned face crop side. */
export const ARCFACE_SIZE = 112;
/** inswapper's aligned face crop side. */
export const INSWAPPER_SIZE = 128;
/** BiSeNet face parsing input side. */
export const BISENET_SIZE = 512;

/**
 * GFPGAN (`gfpgan`, clibdev/xuanandsix export): `input` float32 [1,3,512,512] RGB scaled to -1..1
 * ((v/255 − 0.5)/0.5) → `output` [1,3,512,512] in -1..1. Input is an aligned 512² face crop.
 */
export async function restoreFace(session: InferenceSession, crop: Uint8Array): Promise<Uint8Array> {
  const ort = await import('onnxruntime-node');
  const n = GFPGAN_SIZE * GFPGAN_SIZE;
  const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', planarFloat(crop, n, (v) => (v / 255 - 0.5) / 0.5), [1, 3, GFPGAN_SIZE, GFPGAN_SIZE]) });
  return interleavedBytes(res[session.outputNames[0]].data as Float32Array, n, (v) => ((Math.max(-1, Math.min(1, v)) + 1) / 2) * 255);
}

/**
 * ArcFace w600k_r50 (`arcface`, InsightFace): `input.1` float32 [1,3,112,112] RGB scaled
 * (v − 127.5)/127.5 → [1,512] identity embedding, returned L2-normalised.
 */
export async function faceEmbedding(session: InferenceSession, crop: Uint8Array): Promise<Float32Array> {
  const ort = await import('onnxruntime-node');
  const n = ARCFACE_SIZE * ARCFACE_SIZE;
  const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', planarFloat(crop, n, (v) => (v - 127.5) / 127.5), [1, 3, ARCFACE_SIZE, ARCFACE_SIZE]) });
  const e = Float32Array.from(res[session.outputNames[0]].data as Float32Array);
  let norm = 0;
  for (const v of e) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < e.length; i++) e[i] /= norm;
  return e;
}

/**
 * inswapper's identity latent: the normalised ArcFace embedding times the 512×512 `emap` matrix that
 * InsightFace stores as the model's last initializer, normalised again.
 */
export function inswapperLatent(embedding: Float32Array, emap: Float32Array): Float32Array {
  const d = embedding.length;
  if (emap.length !== d * d) throw new Error(`emap has ${emap.length} values, expected ${d}x${d}`);
  const out = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += embedding[i] * emap[i * d + j];
    out[j] = s;
  }
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < d; j++) out[j] /= norm;
  return out;
}

/**
 * inswapper 128 (`inswapper`): `target` float32 [1,3,128,128] RGB 0..1 (the aligned target face) and
 * `source` float32 [1,512] (the identity latent) → `output` [1,3,128,128] RGB 0..1, the swapped face
 * to paste back through the inverse alignment.
 */
export async function swapFace(session: InferenceSession, target: Uint8Array, latent: Float32Array): Promise<Uint8Array> {
  const ort = await import('onnxruntime-node');
  const n = INSWAPPER_SIZE * INSWAPPER_SIZE;
  const targetName = session.inputNames.find((x) => x === 'target') ?? session.inputNames[0];
  const sourceName = session.inputNames.find((x) => x === 'source') ?? session.inputNames[1];
  const res = await session.run({
    [targetName]: new ort.Tensor('float32', planarFloat(target, n, (v) => v / 255), [1, 3, INSWAPPER_SIZE, INSWAPPER_SIZE]),
    [sourceName]: new ort.Tensor('float32', latent, [1, latent.length]),
  });
  return interleavedBytes(res[session.outputNames[0]].data as Float32Array, n, (v) => v * 255);
}

/** BiSeNet's 19 CelebAMask-HQ classes, in output-channel order. */
export const FACE_PARSING_CLASSES = [
  'background', 'skin', 'l_brow', 'r_brow', 'l_eye', 'r_eye', 'eye_g', 'l_ear', 'r_ear', 'ear_r',
  'nose', 'mouth', 'u_lip', 'l_lip', 'neck', 'neck_l', 'cloth', 'hair', 'hat',
] as const;

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * BiSeNet face parsing (`bisenet`, clibdev export): `input` float32 [1,3,512,512] RGB ImageNet-
 * normalised → `output` [1,19,512,512] class scores; returns the arg-max class per pixel.
 */
export async function parseFace(session: InferenceSession, rgb: Uint8Array): Promise<Uint8Array> {
  const ort = await import('onnxruntime-node');
  const S = BISENET_SIZE;
  const n = S * S;
  const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', planarFloat(rgb, n, (v, c) => (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c]), [1, 3, S, S]) });
  const scores = res[session.outputNames[0]].data as Float32Array;
  const k = FACE_PARSING_CLASSES.length;
  if (scores.length !== k * n) throw new Error(`face parsing model returned ${scores.length} values, expected ${k}x${S}x${S}`);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[c * n + i] > scores[best * n + i]) best = c;
    labels[i] = best;
  }
  return labels;
}
