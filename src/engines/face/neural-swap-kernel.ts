/**
 * Worker-side identity swap with InsightFace's models: ArcFace w600k_r50 embeds the reference's
 * aligned 112² face, inswapper 128 redraws the target's aligned 128² face with that identity (its
 * `emap` turns the embedding into the swapper's latent), and the result goes back through the inverse
 * alignment inside a feathered face mask. Pixels outside the target's face outline keep their bytes.
 * The same self-check as the classical swap follows each face (no reference pixels to compare with
 * here, so: every feature still there and not doubled, no off-tone skin); a face that fails, or that the
 * engine asks to redo, gets the conservative swap instead.
 */
import { ARCFACE_SIZE, INSWAPPER_SIZE, faceEmbedding, inswapperLatent, swapFace } from '../models/adapters/face.js';
import { inswapperEmap } from '../models/adapters/onnx-initializer.js';
import { findSpec } from '../models/local-catalog.js';
import { sessionFor, type ModelRef } from '../models/onnx.js';
import { mainFile } from '../models/refs.js';
import { alignedCrop, alignmentFor, cropCoverage, pasteAligned, type Similarity } from './align.js';
import { meshFaceWidth, type FaceInfo } from './analysis.js';
import { FACE_OVAL, NOSE_TIP } from './mesh-regions.js';
import { cropPixels, featherInside, fillPolygon, pastePixels, roiAround, type Point } from './raster.js';
import type { RgbImage } from './warp.js';
import { conservativeSwapInto, type SwapPair, type SwapReport, type SwapResult } from './swap-kernel.js';
import { judgeSwap, swapArtefacts } from './swap-check.js';

export interface NeuralSwapArgs {
  target: RgbImage;
  pairs: SwapPair[];
  swapper: ModelRef;
  embedder: ModelRef;
}

export const NEURAL_SWAP_SETTINGS = {
  /** Share of the way the face oval is pulled toward the nose tip: the jaw line and hairline stay the target's. */
  outlineInset: 0.04,
  /** Soft edge of the paste, inside the outline, as a share of the face width. */
  featherOfWidth: 0.08,
  /** Crop pixels at the crop's border not pasted (the model's output is least reliable there). */
  cropMargin: 3,
};

/** One emap per swapper file per worker: reading it means scanning the ~0.5 GB model once. */
const emaps = new Map<string, Promise<Float32Array>>();

function emapFor(ref: ModelRef): Promise<Float32Array> {
  const key = `${ref.modelsDir}\0${ref.name}`;
  let e = emaps.get(key);
  if (!e) {
    const spec = findSpec(ref.name, ref.modelsDir);
    const file = spec && mainFile(spec, ref.modelsDir);
    e = file ? inswapperEmap(file) : Promise.reject(new Error(`model ${ref.name} not found`));
    emaps.set(key, e);
    e.catch(() => emaps.delete(key));
  }
  return e;
}

/** The same transform for coordinates measured from (x0, y0). */
function shifted(m: Similarity, x0: number, y0: number): Similarity {
  return { ...m, tx: m.tx + m.a * x0 - m.b * y0, ty: m.ty + m.b * x0 + m.a * y0 };
}

/** The paste mask: the target's face oval pulled toward the nose tip, inside the crop, feathered inward. */
export function pasteMask(face: FaceInfo, width: number, height: number, coverage: Uint8Array): Uint8Array {
  const S = NEURAL_SWAP_SETTINGS;
  const [cx, cy] = face.mesh[NOSE_TIP];
  const poly = FACE_OVAL.map((i) => [face.mesh[i][0] + (cx - face.mesh[i][0]) * S.outlineInset, face.mesh[i][1] + (cy - face.mesh[i][1]) * S.outlineInset] as Point);
  const hard = new Uint8Array(width * height);
  fillPolygon(hard, width, height, poly);
  for (let i = 0; i < hard.length; i++) if (!coverage[i]) hard[i] = 0;
  return featherInside(hard, width, height, Math.max(2, meshFaceWidth(face) * S.featherOfWidth));
}

/** Returns the target's RGB pixels with every pair swapped, in order. */
export async function neuralSwapFaces(args: NeuralSwapArgs): Promise<SwapResult> {
  const [embedder, swapper, emap] = await Promise.all([sessionFor(args.embedder), sessionFor(args.swapper), emapFor(args.swapper)]);
  const { width, height } = args.target;
  const out = Uint8Array.from(args.target.data);
  const current: RgbImage = { data: out, width, height, channels: 3 };
  const reports: SwapReport[] = [];
  for (const pair of args.pairs) {
    if (pair.mode === 'conservative') {
      conservativeSwapInto(current, out, pair);
      reports.push({ mode: 'conservative', notes: [] });
      continue;
    }
    const embedding = await faceEmbedding(embedder, alignedCrop(pair.ref, alignmentFor(pair.refFace, ARCFACE_SIZE), ARCFACE_SIZE));
    const latent = inswapperLatent(embedding, emap);
    const toCrop = alignmentFor(pair.targetFace, INSWAPPER_SIZE);
    // Later pairs see earlier swaps (faces close together may share crop pixels).
    const swapped = await swapFace(swapper, alignedCrop(current, toCrop, INSWAPPER_SIZE), latent);
    // Masks and the paste work in a rectangle around the face, so the photo's size hardly matters.
    const roi = roiAround(pair.targetFace.mesh, 4, width, height);
    const [x0, y0, x1, y1] = roi;
    const w = x1 - x0, h = y1 - y0;
    const local = shifted(toCrop, x0, y0);
    const face = { ...pair.targetFace, mesh: pair.targetFace.mesh.map(([x, y]) => [x - x0, y - y0] as [number, number]) };
    const mask = pasteMask(face, w, h, cropCoverage(w, h, INSWAPPER_SIZE, local, NEURAL_SWAP_SETTINGS.cropMargin));
    const before = cropPixels(out, width, 3, roi);
    const patch = Uint8Array.from(before);
    pasteAligned(patch, w, h, swapped, INSWAPPER_SIZE, local, mask);
    const check = judgeSwap(swapArtefacts({ target: before, result: patch, width: w, height: h, face }));
    if (check.pass) {
      pastePixels(out, width, 3, patch, roi);
      reports.push({ mode: 'full', notes: [] });
    } else {
      conservativeSwapInto(current, out, pair);
      reports.push({ mode: 'conservative', notes: [`neural swap failed its check (${check.reasons.join(', ')})`] });
    }
  }
  return { rgb: out, reports };
}
