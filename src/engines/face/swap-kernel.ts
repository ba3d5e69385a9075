/**
 * Worker-side face swap. For each (reference face → target face) pair:
 * 1. the reference face is warped onto the target's mesh, so the target's pose and expression (its
 *    eyes, mouth and outline) stay while the reference's features, skin texture and proportions in
 *    between (brows, nose, cheeks: shape.ts) come along;
 * 2. light and skin tone follow the target through a low-frequency transfer in Lab: the difference of
 *    the two faces' smoothed *skin* colour (beards, brows, hair and shadows weigh nothing in the
 *    smoothing) is added to the warped face, so the reference's detail stays and no target texture
 *    (a beard, stubble) is imported into the skin;
 * 3. where the expressions differ (an eye or the mouth open on one face, closed on the other) the
 *    target's eye or mouth interior is kept, so no eyelid is stretched over an open eye and no lip
 *    line over teeth;
 * 4. the blend outline lies inside the jaw and temples (pulled toward the nose), its rim band takes
 *    only reference pixels that look like skin (no reference hair at the temples), and parts of a
 *    turned reference that the camera sees too foreshortened to stretch are left to the target.
 * Work happens in a rectangle around each target face, so image size hardly matters.
 */
import { hardRegionMask, meshFaceWidth, type FaceInfo } from './analysis.js';
import { labToRgbAt, rgbToLab } from '../lab.js';
import { LEFT_EYE, LEFT_EYE_OPENING, LIPS_INNER, MESH_POINTS_WITHOUT_IRIS, MOUTH_OPENING, NOSE_TIP, RIGHT_EYE, RIGHT_EYE_OPENING, FACE_OVAL, FOREHEAD, NOSE_BASE, RIGHT_EYE_OUTER, LEFT_EYE_OUTER } from './mesh-regions.js';
import { boxBlur, cropPixels, dilate, erode, featherInside, fillPolygon, pastePixels, roiAround, softenCentred, type Point } from './raster.js';
import { delaunay, warpPiecewiseAffine, type RgbImage, type Triangle } from './warp.js';
import { identityShape } from './shape.js';

export interface SwapPair {
  ref: RgbImage;
  refFace: FaceInfo;
  targetFace: FaceInfo;
}

export interface SwapArgs {
  target: RgbImage;
  pairs: SwapPair[];
}

/** Tunables of the swap, lengths as shares of the target face width measured on the mesh. */
export const SWAP_SETTINGS = {
  /**
   * Share of the way each face-oval point moves toward the nose tip: the blend stays inside the jaw
   * line and the temples. Kept small: the cheeks out to the jaw carry identity (0.07 → 0.035 moved the
   * benchmark's median identity margin from −0.024 to −0.008 with the shape below), and the rim band
   * keeps the reference's hair out.
   */
  outlineInset: 0.035,
  /** The same for the oval's top arc: the lower forehead is swapped, clear of the hairline. */
  foreheadInset: 0.08,
  /** Soft edge of the blend, inside the outline. */
  featherOfWidth: 0.1,
  /** Width of the rim band where only skin-like reference pixels are blended. */
  rimBandOfWidth: 0.12,
  /** Box radius of the light/tone transfer: wider than eyes and nostrils (the reference's features stay), narrower than the face (light direction follows the target). */
  lowPassOfWidth: 0.3,
  /**
   * How much of the target's light (L) and skin tone (a, b) the transfer applies. All of it: carrying
   * the reference's own tone inside the face lowered the identity measure (its embedding reads a face
   * whose tone matches its surroundings better) and risks a visible edge.
   */
  toneTransfer: [1, 1, 1] as [number, number, number],
  /** Lab distance (L counted at half weight) from the face's typical skin at which a pixel stops counting as skin. */
  skinTolerance: 14,
  /** Openness (gap ÷ width) below which an eye counts as closed and above which it counts as open; between, it agrees with either. */
  eyeClosedOpen: [0.12, 0.2] as [number, number],
  /** The same for the mouth (lips apart). */
  mouthClosedOpen: [0.06, 0.15] as [number, number],
  /** Any openness difference this large also counts as a different expression (half-closed lids on wide-open eyes). */
  opennessDifference: 0.1,
  /** Triangle width (along the eye line) reference ÷ target, relative to the face's median: below the first the reference is too foreshortened to use there, above the second fully used. */
  foreshortening: [0.3, 0.55] as [number, number],
};

function shiftFace(face: FaceInfo, dx: number, dy: number): FaceInfo {
  return { ...face, box: [face.box[0] - dx, face.box[1] - dy, face.box[2] - dx, face.box[3] - dy], mesh: face.mesh.map(([x, y]) => [x - dx, y - dy] as [number, number]) };
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Gap between lids or lips divided by the corner-to-corner width: ~0 closed, ~0.3 wide open. */
function openness(face: FaceInfo, [upper, lower, c1, c2]: readonly number[]): number {
  return dist(face.mesh[upper], face.mesh[lower]) / Math.max(1e-6, dist(face.mesh[c1], face.mesh[c2]));
}

/** The face oval pulled toward the nose tip, so it sits inside the jaw line and off the temples and hairline. */
function blendOutline(face: FaceInfo, w: number, h: number): Uint8Array {
  const [cx, cy] = face.mesh[NOSE_TIP];
  const k = SWAP_SETTINGS.outlineInset;
  const top = new Set(FOREHEAD);
  const poly = FACE_OVAL.map((i) => {
    const t = top.has(i) ? SWAP_SETTINGS.foreheadInset : k;
    return [face.mesh[i][0] + (cx - face.mesh[i][0]) * t, face.mesh[i][1] + (cy - face.mesh[i][1]) * t] as Point;
  });
  const m = new Uint8Array(w * h);
  fillPolygon(m, w, h, poly);
  return m;
}

/** Typical skin colour: the mean over the skin region, then again over the pixels near that mean (outliers such as beard or shadow drop out). */
function skinColour(lab: Float32Array, skin: Uint8Array): [number, number, number] {
  let mean: [number, number, number] = [0, 0, 0];
  for (let pass = 0; pass < 3; pass++) {
    const s = [0, 0, 0];
    let n = 0;
    for (let i = 0; i < skin.length; i++) {
      if (!skin[i]) continue;
      if (pass > 0 && labDistance(lab, i, mean) > SWAP_SETTINGS.skinTolerance * 1.5) continue;
      n++;
      for (let c = 0; c < 3; c++) s[c] += lab[i * 3 + c];
    }
    if (n === 0) break;
    mean = [s[0] / n, s[1] / n, s[2] / n];
  }
  return mean;
}

function labDistance(lab: Float32Array, i: number, to: readonly number[]): number {
  return Math.hypot((lab[i * 3] - to[0]) * 0.5, lab[i * 3 + 1] - to[1], lab[i * 3 + 2] - to[2]);
}

/** 0..1 per pixel of `region`: how much a pixel looks like the face's skin. */
function skinLikeness(lab: Float32Array, region: Uint8Array, skin: Uint8Array): Float32Array {
  const typical = skinColour(lab, skin);
  const tol = SWAP_SETTINGS.skinTolerance;
  const out = new Float32Array(region.length);
  for (let i = 0; i < region.length; i++) if (region[i]) out[i] = Math.exp(-((labDistance(lab, i, typical) / tol) ** 2));
  return out;
}

/** Lab smoothed with per-pixel weights (normalised box blur, two passes); where no weight reaches, the weighted mean. */
function weightedLowPass(lab: Float32Array, weight: Float32Array, w: number, h: number, r: number): Float32Array {
  const n = w * h;
  const planes = [0, 1, 2].map(() => new Float32Array(n));
  const wsum = Float32Array.from(weight);
  const total = [0, 0, 0];
  let wt = 0;
  for (let i = 0; i < n; i++) {
    const k = weight[i];
    wt += k;
    for (let c = 0; c < 3; c++) {
      planes[c][i] = lab[i * 3 + c] * k;
      total[c] += planes[c][i];
    }
  }
  for (let pass = 0; pass < 2; pass++) {
    boxBlur(wsum, w, h, r);
    for (const p of planes) boxBlur(p, w, h, r);
  }
  const out = new Float32Array(n * 3);
  const floor = 1e-3;
  for (let i = 0; i < n; i++) {
    // Blend toward the global mean where little weight reaches, so the field has no holes.
    const k = Math.min(1, wsum[i] / floor);
    for (let c = 0; c < 3; c++) {
      const local = wsum[i] > 1e-9 ? planes[c][i] / wsum[i] : 0;
      out[i * 3 + c] = k * local + (1 - k) * (wt > 0 ? total[c] / wt : 0);
    }
  }
  return out;
}

/** Unit vector along a face's eye line (outer corner to outer corner): the axis a turned head compresses. */
function eyeAxis(mesh: readonly Point[]): Point {
  const [a, b] = [mesh[RIGHT_EYE_OUTER], mesh[LEFT_EYE_OUTER]];
  const len = Math.max(1e-6, dist(a, b));
  return [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
}

/** Extent of a triangle along an axis. */
function extentAlong(p: readonly Point[], [ux, uy]: Point): number {
  const t = p.map(([x, y]) => x * ux + y * uy);
  return Math.max(...t) - Math.min(...t);
}

/**
 * 0..255 per pixel: how usable the reference is there. A triangle the reference shows much narrower
 * (along the eye line) than the target needs — the far side of a turned head — would be stretched
 * into a smear. Widths along the eye line are used because an opening mouth or eye changes heights,
 * not widths: an expression difference is not mistaken for foreshortening.
 */
function foreshorteningConfidence(src: readonly Point[], dst: readonly Point[], tris: readonly Triangle[], w: number, h: number, smoothPx: number): Uint8Array {
  const us = eyeAxis(src), ud = eyeAxis(dst);
  // Slivers narrow along the axis give noisy ratios: judge only triangles of some width.
  const minWidth = dist(dst[RIGHT_EYE_OUTER], dst[LEFT_EYE_OUTER]) * 0.04;
  const ratios = tris.map(([a, b, c]) => {
    const d = extentAlong([dst[a], dst[b], dst[c]], ud);
    return d < minWidth ? NaN : extentAlong([src[a], src[b], src[c]], us) / d;
  });
  const sorted = ratios.filter((r) => Number.isFinite(r) && r > 0).sort((p, q) => p - q);
  const median = sorted.length ? sorted[sorted.length >> 1] : 1;
  const [lo, hi] = SWAP_SETTINGS.foreshortening;
  const map = new Uint8Array(w * h);
  tris.forEach(([a, b, c], t) => {
    const r = ratios[t] / median;
    // Unjudged slivers count as usable; the smoothing below lets their neighbours decide.
    const conf = Number.isFinite(r) ? Math.min(1, Math.max(0, (r - lo) / (hi - lo))) : 1;
    fillPolygon(map, w, h, [dst[a], dst[b], dst[c]], Math.round(conf * 254) + 1);
  });
  const plane = new Float32Array(w * h);
  for (let i = 0; i < plane.length; i++) plane[i] = map[i] ? (map[i] - 1) / 254 : 1;
  boxBlur(plane, w, h, Math.max(1, Math.round(smoothPx)));
  boxBlur(plane, w, h, Math.max(1, Math.round(smoothPx)));
  const out = new Uint8Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(plane[i] * 255);
  return out;
}

/** Eye and mouth interiors (0..255) whose openness differs between the two faces: those stay the target's. */
function keptInteriors(face: FaceInfo, refFace: FaceInfo, w: number, h: number, fw: number): Uint8Array {
  const keep = new Uint8Array(w * h);
  const parts: [readonly number[], readonly number[]][] = [
    [RIGHT_EYE_OPENING, RIGHT_EYE],
    [LEFT_EYE_OPENING, LEFT_EYE],
    [MOUTH_OPENING, LIPS_INNER],
  ];
  for (const [opening, outline] of parts) {
    const [closed, open] = opening === MOUTH_OPENING ? SWAP_SETTINGS.mouthClosedOpen : SWAP_SETTINGS.eyeClosedOpen;
    const a = openness(face, opening), b = openness(refFace, opening);
    const openVersusClosed = (a < closed && b > open) || (b < closed && a > open);
    if (!openVersusClosed && Math.abs(a - b) < SWAP_SETTINGS.opennessDifference) continue;
    fillPolygon(keep, w, h, outline.map((i) => face.mesh[i]));
  }
  // Lashes and the lip edge sit just outside the landmark outlines.
  return softenCentred(dilate(keep, w, h, Math.max(1, Math.round(fw * 0.01))), w, h, Math.max(1, fw * 0.01));
}

function swapOne(target: RgbImage, out: Uint8Array, pair: SwapPair): void {
  const S = SWAP_SETTINGS;
  const fw = meshFaceWidth(pair.targetFace);
  const roi = roiAround(pair.targetFace.mesh, fw * 0.25 + 4, target.width, target.height);
  const [x0, y0, x1, y1] = roi;
  const w = x1 - x0, h = y1 - y0, n = w * h;
  const face = shiftFace(pair.targetFace, x0, y0);
  const tgt = cropPixels(out, target.width, 3, roi);
  // The reference is drawn in the target's pose and expression but with its own proportions between them.
  const dstPts = identityShape(face, pair.refFace, fw);
  const shaped: FaceInfo = { ...face, mesh: [...dstPts, ...face.mesh.slice(MESH_POINTS_WITHOUT_IRIS)] };
  const srcPts = pair.refFace.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  const tris = delaunay(dstPts);
  const { rgb: warped, covered } = warpPiecewiseAffine(pair.ref, srcPts, dstPts, tris, w, h);

  const region = blendOutline(face, w, h);
  for (let i = 0; i < n; i++) if (!covered[i]) region[i] = 0;
  // Both faces are now in the target's geometry: one skin mask (no eyes, brows, lips) serves both.
  const skin = hardRegionMask(face, 'skin', w, h);
  const shapedSkin = hardRegionMask(shaped, 'skin', w, h);
  for (let i = 0; i < n; i++) if (!region[i] || !shapedSkin[i]) skin[i] = 0;
  const tLab = rgbToLab(tgt, 3, n), wLab = rgbToLab(warped, 3, n);
  const tSkin = skinLikeness(tLab, skin, skin), wSkin = skinLikeness(wLab, skin, skin);
  const r = Math.max(2, Math.round(fw * S.lowPassOfWidth));
  const tLow = weightedLowPass(tLab, tSkin, w, h, r), wLow = weightedLowPass(wLab, wSkin, w, h, r);

  const alpha = featherInside(region, w, h, Math.max(3, fw * S.featherOfWidth));
  // Rim band: a reference pixel there that is not skin (its hair, a shadow) is not carried in.
  const inner = erode(region, w, h, Math.max(1, Math.round(fw * S.rimBandOfWidth)));
  const refSkinAll = skinLikeness(wLab, region, skin);
  boxBlur(refSkinAll, w, h, Math.max(1, Math.round(fw * 0.01)));
  // Above the brows hairlines and fringes differ between people: there only skin meets skin.
  const forehead = softenCentred(hardRegionMask(face, 'forehead', w, h), w, h, Math.max(1, fw * 0.03));
  const tgtSkinAll = skinLikeness(tLab, region, skin);
  boxBlur(tgtSkinAll, w, h, Math.max(1, Math.round(fw * 0.01)));
  const conf = foreshorteningConfidence(srcPts, dstPts, tris, w, h, fw * 0.04);
  const keep = keptInteriors(face, pair.refFace, w, h, fw);
  // Eyes, brows, lips and nostrils are the reference's features even though they are not skin-coloured.
  const features = dilate(hardRegionMask(shaped, 'eyes', w, h), w, h, Math.max(1, Math.round(fw * 0.04)));
  for (const r of ['brows', 'lips'] as const) {
    const m = dilate(hardRegionMask(shaped, r, w, h), w, h, Math.max(1, Math.round(fw * 0.03)));
    for (let i = 0; i < n; i++) features[i] |= m[i];
  }
  fillPolygon(features, w, h, NOSE_BASE.map((i) => shaped.mesh[i]));
  const featureSoft = softenCentred(features, w, h, Math.max(1, fw * 0.02));

  for (let i = 0; i < n; i++) {
    let a = alpha[i] / 255;
    if (!a) continue;
    // Reference hair or a beard over its face is not carried in (the target shows there instead); at the rim, strictly.
    const refSkin = Math.min(1, refSkinAll[i] * (inner[i] ? 2.5 : 1.5));
    a *= featureSoft[i] / 255 + (1 - featureSoft[i] / 255) * refSkin;
    if (forehead[i]) a *= 1 - (forehead[i] / 255) * (1 - Math.min(refSkinAll[i], tgtSkinAll[i]) ** 2);
    a *= (conf[i] / 255) * (1 - keep[i] / 255);
    if (a <= 0) continue;
    const k = i * 3;
    const lab = [0, 1, 2].map((c) => wLab[k + c] + (tLow[k + c] - wLow[k + c]) * S.toneTransfer[c]);
    const px = new Uint8Array(3);
    labToRgbAt(lab[0], lab[1], lab[2], px, 0);
    for (let c = 0; c < 3; c++) tgt[k + c] = Math.round(tgt[k + c] * (1 - a) + px[c] * a);
  }
  pastePixels(out, target.width, 3, tgt, roi);
}

/** Returns the target's RGB pixels with every pair swapped, in order. */
export function swapFaces(args: SwapArgs): Uint8Array {
  const out = Uint8Array.from(args.target.data);
  for (const pair of args.pairs) swapOne(args.target, out, pair);
  return out;
}
