/**
 * Worker-side makeup transfer, region by region in Lab with soft mesh masks. Foundation moves the
 * skin tone part of the way; blush and eye shadow carry the reference's colour *relative to its own
 * skin* (so a pale and a dark reference give the same look); lips take the reference's lip colour
 * and keep the source's lip texture. Light (L) moves little everywhere, so lighting and identity stay.
 */
import { hardRegionMask, meshFaceWidth, type FaceInfo } from './analysis.js';
import { labStats, labToRgbAt, rgbToLab, type LabStats } from '../lab.js';
import { cropPixels, featherInside, pastePixels, roiAround, softenCentred } from './raster.js';
import type { RgbImage } from './warp.js';

export interface MakeupArgs {
  src: RgbImage;
  srcFace: FaceInfo;
  ref: RgbImage;
  refFace: FaceInfo;
}

type Region = 'skin' | 'cheeks' | 'eyeshadow' | 'lips';

/** How much of each region's colour difference is carried over, per Lab channel [L, a, b]. */
export const MAKEUP_STRENGTH: Record<Region, [number, number, number]> = {
  skin: [0.25, 0.5, 0.5],
  cheeks: [0.4, 0.9, 0.9],
  eyeshadow: [0.7, 0.9, 0.9],
  lips: [0.7, 1, 1],
};

/** Chroma (Lab a/b distance from the reference's own skin) below which blush or shadow counts as absent, and above which it counts fully. */
export const MAKEUP_PRESENCE_CHROMA: [number, number] = [3, 10];

/** Soft-edge width of each region, as a share of the face width. */
const FEATHER: Record<Region, number> = { skin: 0.06, cheeks: 0.1, eyeshadow: 0.02, lips: 0.01 };

interface FaceCrop {
  lab: Float32Array;
  w: number;
  h: number;
  roi: [number, number, number, number];
  masks: Record<Region, Uint8Array>;
  stats: Record<Region, LabStats>;
}

function cropFace(img: RgbImage, face: FaceInfo): FaceCrop {
  const fw = meshFaceWidth(face);
  const roi = roiAround(face.mesh, fw * 0.1 + 4, img.width, img.height);
  const [x0, y0, x1, y1] = roi;
  const w = x1 - x0, h = y1 - y0;
  const shifted: FaceInfo = { ...face, mesh: face.mesh.map(([x, y]) => [x - x0, y - y0] as [number, number]) };
  const lab = rgbToLab(cropPixels(img.data, img.width, img.channels, roi), img.channels, w * h);
  const masks = {} as Record<Region, Uint8Array>;
  const stats = {} as Record<Region, LabStats>;
  // Nothing is painted outside the face: on a turned face the lid-to-brow area can reach past the temple into hair.
  const oval = hardRegionMask(shifted, 'oval', w, h);
  for (const r of ['skin', 'cheeks', 'eyeshadow', 'lips'] as Region[]) {
    const hard = hardRegionMask(shifted, r, w, h);
    // Lips and lids are a few pixels thick: an inner feather would eat them, so their edge is centred on the outline.
    masks[r] = r === 'lips' || r === 'eyeshadow' ? softenCentred(hard, w, h, fw * FEATHER[r]) : featherInside(hard, w, h, Math.max(1, fw * FEATHER[r]));
    for (let i = 0; i < oval.length; i++) if (!oval[i]) masks[r][i] = 0;
    // Statistics come from the hard region so the soft edge does not mix in neighbouring colours.
    stats[r] = labStats(lab, r === 'skin' || r === 'lips' ? hard : masks[r]);
  }
  return { lab, w, h, roi, masks, stats };
}

export function transferMakeup(args: MakeupArgs): Uint8Array {
  const src = cropFace(args.src, args.srcFace);
  const ref = cropFace(args.ref, args.refFace);
  const lab = src.lab;
  const n = src.w * src.h;
  const apply = (region: Region, delta: (k: number, c: number) => number) => {
    const m = src.masks[region];
    const s = MAKEUP_STRENGTH[region];
    for (let i = 0; i < n; i++) {
      const a = m[i];
      if (!a) continue;
      for (let c = 0; c < 3; c++) lab[i * 3 + c] += (a / 255) * s[c] * delta(i * 3 + c, c);
    }
  };
  const mean = (st: LabStats, c: number) => st.mean[c];
  // Foundation: the skin's average tone moves toward the reference's.
  const skinShift = [0, 1, 2].map((c) => mean(ref.stats.skin, c) - mean(src.stats.skin, c));
  apply('skin', (_, c) => skinShift[c]);
  // Blush and shadow: the reference's offset from its own skin replaces the source's offset from its (now shifted) skin.
  // A bare reference (its eyelids and cheeks no more colourful than its skin) carries no look: fade the transfer out rather than paint its natural shading onto the source.
  for (const r of ['cheeks', 'eyeshadow'] as Region[]) {
    const refOffset = [0, 1, 2].map((c) => mean(ref.stats[r], c) - mean(ref.stats.skin, c));
    const srcOffset = [0, 1, 2].map((c) => mean(src.stats[r], c) - (mean(src.stats.skin, c) + skinShift[c] * MAKEUP_STRENGTH.skin[c]));
    const chroma = Math.hypot(refOffset[1], refOffset[2]);
    const [lo, hi] = MAKEUP_PRESENCE_CHROMA;
    const presence = Math.min(1, Math.max(0, (chroma - lo) / (hi - lo)));
    const shift = [0, 1, 2].map((c) => presence * (refOffset[c] - srcOffset[c]));
    apply(r, (_, c) => shift[c]);
  }
  // Lips: new mean colour, the source's own texture around it (std rescaled within limits).
  const ls = src.stats.lips, lr = ref.stats.lips;
  const gain = [0, 1, 2].map((c) => (ls.std[c] > 1e-3 ? Math.min(1.5, Math.max(0.67, lr.std[c] / ls.std[c])) : 1));
  apply('lips', (k, c) => (lab[k] - ls.mean[c]) * gain[c] + lr.mean[c] - lab[k]);

  const out = Uint8Array.from(args.src.data);
  const crop = cropPixels(out, args.src.width, args.src.channels, src.roi);
  const lipsEtc = [src.masks.skin, src.masks.cheeks, src.masks.eyeshadow, src.masks.lips];
  for (let i = 0; i < n; i++) {
    // Pixels no region touches keep their exact bytes (no Lab round trip).
    if (!lipsEtc.some((m) => m[i])) continue;
    labToRgbAt(lab[i * 3], lab[i * 3 + 1], lab[i * 3 + 2], crop, i * args.src.channels);
  }
  pastePixels(out, args.src.width, args.src.channels, crop, src.roi);
  return out;
}
