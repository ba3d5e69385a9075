/**
 * Worker-side face swap: for each (reference face → target face) pair, warp the reference face onto
 * the target's mesh, match its colour to the target skin in Lab, clone it seamlessly and feather it
 * in. Work happens in a rectangle around the target face, so image size hardly matters.
 */
import { hardRegionMask, meshFaceWidth, type FaceInfo } from './analysis.js';
import { labStats, labToRgbAt, rgbToLab } from '../lab.js';
import { LIPS_INNER, MESH_POINTS_WITHOUT_IRIS } from './mesh-regions.js';
import { cropPixels, dilate, erode, featherInside, fillPolygon, pastePixels, roiAround, subtractMask, type Point } from './raster.js';
import { seamlessClone } from './seamless.js';
import { delaunay, warpPiecewiseAffine, type RgbImage } from './warp.js';

export interface SwapPair {
  ref: RgbImage;
  refFace: FaceInfo;
  targetFace: FaceInfo;
}

export interface SwapArgs {
  target: RgbImage;
  pairs: SwapPair[];
}

/** Tunables of the blend, relative to the face width measured on the mesh. */
export const SWAP_SETTINGS = {
  /** Soft edge of the final blend, inside the face outline. */
  featherOfWidth: 0.08,
  /** Limits on how far the reference's contrast (L) and colourfulness (a, b) may be rescaled to the target's; a grey target may drain colour. */
  /** Colour levels the seamless blend may shift by at the rim: hair or a shadow crossing the outline must not bleed across the face. */
  maxRimCorrection: 40,
  stdRatio: [[0.7, 1.4], [0.2, 1.5], [0.2, 1.5]] as [number, number][],
};

function shiftFace(face: FaceInfo, dx: number, dy: number): FaceInfo {
  return { ...face, box: [face.box[0] - dx, face.box[1] - dy, face.box[2] - dx, face.box[3] - dy], mesh: face.mesh.map(([x, y]) => [x - dx, y - dy] as [number, number]) };
}

/**
 * Rescales the warped face's Lab statistics, measured inside `mask`, to the target's (skin tone and
 * lighting), and applies that to every pixel of `apply` (which must include the blend's rim).
 */
function matchColour(warped: Uint8Array, target: Uint8Array, mask: Uint8Array, apply: Uint8Array, pixels: number): Uint8Array {
  const wl = rgbToLab(warped, 3, pixels);
  const tl = rgbToLab(target, 3, pixels);
  const ws = labStats(wl, mask), ts = labStats(tl, mask);
  const gain = SWAP_SETTINGS.stdRatio.map(([lo, hi], c) => (ws.std[c] > 1e-3 ? Math.min(hi, Math.max(lo, ts.std[c] / ws.std[c])) : 1));
  const out = Uint8Array.from(warped);
  for (let i = 0; i < pixels; i++) {
    if (!apply[i]) continue;
    const k = i * 3;
    labToRgbAt(
      (wl[k] - ws.mean[0]) * gain[0] + ts.mean[0],
      (wl[k + 1] - ws.mean[1]) * gain[1] + ts.mean[1],
      (wl[k + 2] - ws.mean[2]) * gain[2] + ts.mean[2],
      out,
      k,
    );
  }
  return out;
}

function swapOne(target: RgbImage, out: Uint8Array, pair: SwapPair): void {
  const fw = meshFaceWidth(pair.targetFace);
  const roi = roiAround(pair.targetFace.mesh, fw * 0.25 + 4, target.width, target.height);
  const [x0, y0, x1, y1] = roi;
  const w = x1 - x0, h = y1 - y0;
  const face = shiftFace(pair.targetFace, x0, y0);
  const tgt = cropPixels(out, target.width, 3, roi);
  const dstPts = face.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  const srcPts = pair.refFace.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  const { rgb: warped, covered } = warpPiecewiseAffine(pair.ref, srcPts, dstPts, delaunay(dstPts), w, h);

  const outline = hardRegionMask(face, 'swap', w, h);
  for (let i = 0; i < outline.length; i++) if (!covered[i]) outline[i] = 0;
  // The solver reads the warped face one pixel outside its region: keep the region two pixels inside the covered area.
  const region = erode(outline, w, h, 2);
  const matched = matchColour(warped, tgt, region, covered, w * h);
  const cloned = seamlessClone(tgt, matched, region, w, h, SWAP_SETTINGS.maxRimCorrection);
  const alpha = featherInside(region, w, h, Math.max(3, fw * SWAP_SETTINGS.featherOfWidth));
  // Keep the target's open mouth (teeth, tongue): a closed reference mouth would be stretched across it.
  const mouth = new Uint8Array(w * h);
  fillPolygon(mouth, w, h, LIPS_INNER.map((i) => face.mesh[i]));
  const softMouth = featherInside(dilate(mouth, w, h, 1), w, h, 2);
  subtractMask(alpha, softMouth);
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i];
    if (!a) continue;
    for (let c = 0; c < 3; c++) {
      const k = i * 3 + c;
      tgt[k] = Math.round((tgt[k] * (255 - a) + cloned[k] * a) / 255);
    }
  }
  pastePixels(out, target.width, 3, tgt, roi);
}

/** Returns the target's RGB pixels with every pair swapped, in order. */
export function swapFaces(args: SwapArgs): Uint8Array {
  const out = Uint8Array.from(args.target.data);
  for (const pair of args.pairs) swapOne(args.target, out, pair);
  return out;
}
