/**
 * Worker-side face swap. For each (reference face → target face) pair:
 * 1. the reference face is warped onto the target's mesh, so the target's pose and expression (its
 *    eyes, mouth and outline) stay while the reference's features, skin texture and proportions in
 *    between (brows, nose, cheeks: shape.ts) come along;
 * 2. light and skin tone follow the target through a low-frequency transfer in Lab: the difference of
 *    the two faces' smoothed *skin* colour (beards, brows, hair and shadows weigh nothing in the
 *    smoothing) is added to the warped face, so the reference's detail stays and no target texture
 *    (a beard, stubble) is imported into the skin;
 * 3. an incompatible feature (swap-features.ts: eyes or mouth open on one face and closed on the
 *    other, different eye make-up, facial hair) stays the target's, whole; skin-likeness is judged
 *    against each face's clean-skin tone (cheeks and forehead), so beards, lashes and dark lids never
 *    come over with the skin;
 * 4. a reference turned further than the target gives its far side from its near side, mirrored
 *    (swap-pose.ts), instead of stretching the hidden side;
 * 5. the blend outline lies inside the jaw and temples (pulled toward the nose), its rim band takes
 *    only reference pixels that look like skin (no reference hair at the temples);
 * 6. self-check (swap-check.ts): a result with a missing or doubled feature, a new strong edge or
 *    off-tone skin is replaced by the conservative swap — the target's own face with the reference's
 *    proportions and a share of its skin tone — which cannot break a face.
 * Work happens in a rectangle around each target face, so image size hardly matters.
 */
import { hardRegionMask, meshFaceWidth, type FaceInfo } from './analysis.js';
import { labStats, labToRgbAt, rgbToLab } from '../lab.js';
import { MESH_POINTS_WITHOUT_IRIS, NOSE_TIP, FACE_OVAL, FOREHEAD, NOSE_BASE, RIGHT_EYE_OUTER, LEFT_EYE_OUTER } from './mesh-regions.js';
import { boxBlur, cropPixels, dilate, erode, featherInside, fillPolygon, maxFilter, pastePixels, roiAround, softenCentred, type Point } from './raster.js';
import { delaunay, warpPiecewiseAffine, type RgbImage, type Triangle } from './warp.js';
import { identityShape } from './shape.js';
import { cleanSkinTone, keptFeatures, mouthGap, skinLikeness, wearsGlasses } from './swap-features.js';
import { hiddenSide, mirroredReference, mirroredShare } from './swap-pose.js';
import { judgeSwap, swapArtefacts, type FeatureName } from './swap-check.js';
import { chromaScale, offsetFromLight, relight, shadingWeights, weightedLowPass, type FaceLight, type RelightSettings } from './swap-light.js';
import { withoutRedEye } from './red-eye.js';
import { matchReferenceDetail } from './swap-detail.js';

export interface SwapPair {
  ref: RgbImage;
  refFace: FaceInfo;
  targetFace: FaceInfo;
  /** 'conservative' skips the full swap (the engine asks for it when the result failed its own check). */
  mode?: SwapMode;
}

export interface SwapArgs {
  target: RgbImage;
  pairs: SwapPair[];
}

export type SwapMode = 'full' | 'conservative';

/** What was done for one pair, for the result's meta. */
export interface SwapReport {
  mode: SwapMode;
  /** Features kept from the target, the mirrored side, or why the full swap was not kept. */
  notes: string[];
}

export interface SwapResult {
  rgb: Uint8Array;
  reports: SwapReport[];
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
   * Box radius of the shading transfer (swap-light.ts): the reference's light finer than the tone's but
   * coarser than this (a flash stripe down the nose, a fringe's shadow) is replaced by the target's.
   */
  shadingOfWidth: 0.035,
  /** Share of the reference's shading kept where it is close to the target's ([L, a, b], swap-light.ts). */
  refRelief: [0.6, 0.5, 0.5] as [number, number, number],
  /** Difference from the target's shading at which that share halves: a flash stripe (10–25 L over the target's) keeps little. */
  reliefLimit: [4, 5, 5] as [number, number, number],
  /** Where the reference's relief is darker than the target's (form, not a highlight): share kept and soft cap in L (swap-light.ts). */
  reliefDarkening: { share: 1, cap: 10 },
  /**
   * The carried relief fades to none over this width inside the blend outline: the reference's relief
   * at its own face's edge (a cheek turning away from the light) would otherwise meet the target's skin
   * as a brightness step.
   */
  reliefFadeOfWidth: 0.12,
  /** Share of the carried relief on the forehead: a fringe's shadow or a lamp's patch lies there, and little of the face's form. */
  reliefOnForehead: 0.5,
  /** Width of the outer strip of a mirrored far side that stays the target's. */
  mirroredRimOfWidth: 0.16,
  /** Conservative swap: share of the reference's clean-skin tone difference applied to the target's own face ([L, a, b]). */
  conservativeTone: [0.3, 0.5, 0.5] as [number, number, number],
  /** Triangle width (along the eye line) reference ÷ target, relative to the face's median: below the first the reference is too foreshortened to use there, above the second fully used. */
  foreshortening: [0.3, 0.55] as [number, number],
};

function shiftFace(face: FaceInfo, dx: number, dy: number): FaceInfo {
  return { ...face, box: [face.box[0] - dx, face.box[1] - dy, face.box[2] - dx, face.box[3] - dy], mesh: face.mesh.map(([x, y]) => [x - dx, y - dy] as [number, number]) };
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

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

/** Running minimum over a (2r+1)² square. */
function minFilter(p: Float32Array, w: number, h: number, r: number): Float32Array {
  const neg = maxFilter(p.map((v) => 1 - v), w, h, r);
  return neg.map((v) => 1 - v);
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

interface Workspace {
  roi: [number, number, number, number];
  w: number;
  h: number;
  /** The target face in the rectangle's coordinates, and the same face with the reference's proportions. */
  face: FaceInfo;
  shaped: FaceInfo;
  dstPts: Point[];
  tris: Triangle[];
  /** The target's pixels in the rectangle, before this pair. */
  tgt: Uint8Array;
  tLab: Float32Array;
  fw: number;
}

function workspace(target: RgbImage, out: Uint8Array, pair: SwapPair): Workspace {
  const fw = meshFaceWidth(pair.targetFace);
  const roi = roiAround(pair.targetFace.mesh, fw * 0.25 + 4, target.width, target.height);
  const [x0, y0, x1, y1] = roi;
  const w = x1 - x0, h = y1 - y0;
  const face = shiftFace(pair.targetFace, x0, y0);
  const tgt = cropPixels(out, target.width, 3, roi);
  // The reference is drawn in the target's pose and expression but with its own proportions between them.
  const dstPts = identityShape(face, pair.refFace, fw);
  const shaped: FaceInfo = { ...face, mesh: [...dstPts, ...face.mesh.slice(MESH_POINTS_WITHOUT_IRIS)] };
  return { roi, w, h, face, shaped, dstPts, tris: delaunay(dstPts), tgt, tLab: rgbToLab(tgt, 3, w * h), fw };
}

/**
 * The reference warped onto the shaped mesh. When it is turned further than the target, its hidden
 * half comes from its visible half, mirrored; the foreshortening map then has nothing left to guard.
 */
function warpReference(ws: Workspace, pair: SwapPair, notes: string[]): { warped: Uint8Array; covered: Uint8Array; conf: Uint8Array } {
  const { w, h, dstPts, tris, fw } = ws;
  const srcPts = pair.refFace.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  // A flash's red pupils are no part of the face (red-eye.ts).
  const ref = withoutRedEye(pair.ref, pair.refFace.mesh);
  const direct = warpPiecewiseAffine(ref, srcPts, dstPts, tris, w, h);
  const hidden = hiddenSide(pair.refFace, pair.targetFace);
  if (!hidden) return { warped: direct.rgb, covered: direct.covered, conf: foreshorteningConfidence(srcPts, dstPts, tris, w, h, fw * 0.04) };
  notes.push(`reference's ${hidden} side mirrored from its other side (head turned)`);
  const mirror = mirroredReference(ref, pair.refFace.mesh, MESH_POINTS_WITHOUT_IRIS);
  const flipped = warpPiecewiseAffine(mirror.image, mirror.points, dstPts, tris, w, h);
  const half = mirroredShare(dstPts, hidden, w, h, fw);
  const warped = new Uint8Array(w * h * 3);
  const covered = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const k = half[i] / 255;
    for (let c = 0; c < 3; c++) warped[i * 3 + c] = Math.round(direct.rgb[i * 3 + c] * (1 - k) + flipped.rgb[i * 3 + c] * k);
    covered[i] = direct.covered[i] && flipped.covered[i] ? 255 : 0;
  }
  // The near side's outer strip is where a turned head shows hair, ear or background and the shadows
  // they cast: mirrored, it would land inside the far cheek. There the target's own cheek stays.
  const region = blendOutline(ws.face, w, h);
  const core = softenCentred(erode(region, w, h, Math.max(1, Math.round(fw * SWAP_SETTINGS.mirroredRimOfWidth))), w, h, Math.max(1, fw * 0.05));
  const conf = new Uint8Array(w * h);
  for (let i = 0; i < conf.length; i++) conf[i] = Math.round(255 - half[i] + (half[i] * core[i]) / 255);
  return { warped, covered, conf };
}

/**
 * What to add to the reference's lips so they stand off the target's skin as the target's own lips do,
 * and the reference's lip colour against its skin (a pixel is lip as far as its colour goes that way).
 * Relit, lips move with the skin; but lip colour against skin is light and make-up as much as the
 * person: a greyscale painting's lips, a washed-out photo's pale ones or a dark lipstick would otherwise
 * come over grey, pinkish-white or brown on a face whose own lips are none of those.
 */
function lipColour(tLab: Float32Array, wLab: Float32Array, face: FaceInfo, shaped: FaceInfo, w: number, h: number, tTone: readonly number[], wTone: readonly number[], chroma: number): { shift: number[]; dir: number[]; len: number; targetL: number; targetSpread: number } | undefined {
  const tMask = hardRegionMask(face, 'lips', w, h);
  // Hard (0/255) masks: labStats' weighted mean is the plain mean over the lips.
  const ts = labStats(tLab, tMask), rs = labStats(wLab, hardRegionMask(shaped, 'lips', w, h));
  if (!ts.weight || !rs.weight) return undefined;
  const [t, r] = [ts.mean, rs.mean];
  const refOffset = [0, 1, 2].map((c) => r[c] - wTone[c]);
  const len = Math.hypot(...refOffset);
  // Lips the colour of the skin around them cannot be told from it: no shift.
  if (len < 4) return undefined;
  const shift = [t[0] - r[0] * (tTone[0] / Math.max(1, wTone[0])), ...[1, 2].map((c) => t[c] - tTone[c] - (r[c] - wTone[c]) * chroma)];
  // The target's lip lightness: its mean and how far above it its own brightest tenth reaches.
  const Ls: number[] = [];
  for (let i = 0; i < tMask.length; i++) if (tMask[i]) Ls.push(tLab[i * 3]);
  Ls.sort((p, q) => p - q);
  return { shift, dir: refOffset.map((v) => v / len), len, targetL: t[0], targetSpread: Math.max(3, Ls[Math.floor(Ls.length * 0.9)] - t[0]) };
}

/** The full swap of one pair into the rectangle; returns the new pixels and the reference as warped (for the self-check). */
function fullSwap(ws: Workspace, pair: SwapPair, notes: string[], failed: readonly FeatureName[] = []): { pixels: Uint8Array; warped: Uint8Array } {
  const S = SWAP_SETTINGS;
  const { w, h, face, shaped, fw, tLab } = ws;
  const n = w * h;
  const { warped, covered, conf } = warpReference(ws, pair, notes);
  const region = blendOutline(face, w, h);
  for (let i = 0; i < n; i++) if (!covered[i]) region[i] = 0;
  // Both faces are now in the target's geometry: one skin mask (no eyes, brows, lips) serves both.
  const skin = hardRegionMask(face, 'skin', w, h);
  const shapedSkin = hardRegionMask(shaped, 'skin', w, h);
  for (let i = 0; i < n; i++) if (!region[i] || !shapedSkin[i]) skin[i] = 0;
  const wLab = rgbToLab(warped, 3, n);
  const tTone = cleanSkinTone(tLab, face, w, h, region), wTone = cleanSkinTone(wLab, shaped, w, h, region);
  const tSkin = skinLikeness(tLab, skin, tTone), wSkin = skinLikeness(wLab, skin, wTone);
  const r = Math.max(2, Math.round(fw * S.lowPassOfWidth));
  const tLow = weightedLowPass(tLab, tSkin, w, h, r), wLow = weightedLowPass(wLab, wSkin, w, h, r);
  const rs = Math.max(1, Math.round(fw * S.shadingOfWidth));
  const tShade = weightedLowPass(tLab, shadingWeights(tLab, skin, tTone), w, h, rs), wShade = weightedLowPass(wLab, shadingWeights(wLab, skin, wTone), w, h, rs);
  const relit: RelightSettings = { relief: S.refRelief, reliefLimit: S.reliefLimit, darkening: S.reliefDarkening, chromaScale: chromaScale(tTone, wTone) };
  const tLight: FaceLight = { tone: tLow, shading: tShade }, wLight: FaceLight = { tone: wLow, shading: wShade };
  const lips = lipColour(tLab, wLab, face, shaped, w, h, tTone, wTone, relit.chromaScale);

  const alpha = featherInside(region, w, h, Math.max(3, fw * S.featherOfWidth));
  // Rim band: a reference pixel there that is not skin (its hair, a shadow) is not carried in.
  const inner = erode(region, w, h, Math.max(1, Math.round(fw * S.rimBandOfWidth)));
  // Shrunk by a local minimum, then smoothed: the half-hair pixels along a strand's edge look half like
  // skin and would draw the strand's outline as a thin dark line.
  const refSkinAll = minFilter(skinLikeness(wLab, region, wTone), w, h, Math.max(1, Math.round(fw * 0.015)));
  boxBlur(refSkinAll, w, h, Math.max(1, Math.round(fw * 0.015)));
  // Above the brows hairlines and fringes differ between people: there only skin meets skin.
  const forehead = softenCentred(hardRegionMask(face, 'forehead', w, h), w, h, Math.max(1, fw * 0.03));
  const targetBrows = dilate(hardRegionMask(face, 'brows', w, h), w, h, Math.max(1, Math.round(fw * 0.03)));
  const tgtSkinAll = minFilter(skinLikeness(tLab, region, tTone), w, h, Math.max(1, Math.round(fw * 0.015)));
  boxBlur(tgtSkinAll, w, h, Math.max(1, Math.round(fw * 0.015)));
  const { keep, reasons } = keptFeatures({ face, refFace: pair.refFace, tLab, wLab, tTone, wTone, w, h, faceWidth: fw, shapedMesh: ws.dstPts, failed, mouthGaps: { target: mouthGap({ data: ws.tgt, width: w, height: h, channels: 3 }, face), reference: mouthGap(pair.ref, pair.refFace) }, glasses: { target: wearsGlasses({ data: ws.tgt, width: w, height: h, channels: 3 }, face), reference: wearsGlasses(pair.ref, pair.refFace) } });
  notes.push(...reasons.map((why) => `target's feature kept: ${why}`));
  // Eyes, brows, lips and nostrils are the reference's features even though they are not skin-coloured.
  const features = dilate(hardRegionMask(shaped, 'eyes', w, h), w, h, Math.max(1, Math.round(fw * 0.04)));
  for (const r of ['brows', 'lips'] as const) {
    const m = dilate(hardRegionMask(shaped, r, w, h), w, h, Math.max(1, Math.round(fw * 0.03)));
    for (let i = 0; i < n; i++) features[i] |= m[i];
  }
  fillPolygon(features, w, h, NOSE_BASE.map((i) => shaped.mesh[i]));
  const featureSoft = softenCentred(features, w, h, Math.max(1, fw * 0.02));
  // The features' outlines alone, without the margins kept for lashes and lip edges: a margin is skin
  // as far as where the reference can be used goes (the mirrored side's outer strip, a foreshortened
  // triangle), so a near side's temple hair next to its brow does not come over as part of the brow.
  const cores = new Uint8Array(n);
  for (const r of ['eyes', 'brows', 'lips'] as const) {
    const m = hardRegionMask(shaped, r, w, h);
    for (let i = 0; i < n; i++) cores[i] |= m[i];
  }
  fillPolygon(cores, w, h, NOSE_BASE.map((i) => shaped.mesh[i]));
  const coreSoft = softenCentred(dilate(cores, w, h, Math.max(1, Math.round(fw * 0.01))), w, h, Math.max(1, fw * 0.01));
  // The reference's fine detail no sharper or grainier than the target's (a photo's eyes in a painting look pasted).
  const { lab: drawn, gains } = matchReferenceDetail({ tLab, wLab, w, h, tSkin, wSkin, features, featureShare: featureSoft });
  if ([...gains.skin, ...gains.features].some((g) => g < 1)) notes.push(`reference's fine detail softened to the target's (skin ×${gains.skin.map((g) => g.toFixed(2)).join('/')}, features ×${gains.features.map((g) => g.toFixed(2)).join('/')})`);
  // Where a lip's colour can be: the lips and a little around (a pixel there is lip as far as its colour says).
  const lipsNear = softenCentred(dilate(hardRegionMask(shaped, 'lips', w, h), w, h, Math.max(1, Math.round(fw * 0.02))), w, h, Math.max(1, fw * 0.01));
  // Inside the lips every pixel is lip, a glossy highlight too (left out, it would stay a white streak on darker lips).
  const lipsInside = softenCentred(erode(hardRegionMask(shaped, 'lips', w, h), w, h, Math.max(1, Math.round(fw * 0.01))), w, h, Math.max(1, fw * 0.01));
  const offset = [0, 0, 0];
  const reliefFade = featherInside(region, w, h, Math.max(3, fw * S.reliefFadeOfWidth));

  const pixels = Uint8Array.from(ws.tgt);
  const px = new Uint8Array(3);
  for (let i = 0; i < n; i++) {
    if (!region[i]) continue;
    // Reference hair or a beard over its face is not carried in (the target shows there instead); at the rim, strictly.
    // A ramp, not a product: hair a third as skin-like as skin would still show as a strand at a third.
    const refSkin = Math.min(1, Math.max(0, (refSkinAll[i] - (inner[i] ? 0.25 : 0.4)) / 0.4));
    let skinA = (alpha[i] / 255) * refSkin * (conf[i] / 255);
    // The target's own brows are not a fringe to keep: kept, they would stand beside the reference's as a second pair.
    if (forehead[i]) skinA *= 1 - (forehead[i] / 255) * (1 - Math.min(refSkinAll[i], targetBrows[i] ? 1 : tgtSkinAll[i]) ** 2);
    // The target's own hair over its cheek or temple stays: painting skin over half a strand leaves its other half as a line.
    if (!inner[i]) skinA *= Math.min(1, Math.max(0, (tgtSkinAll[i] - 0.4) / 0.4));
    // A feature is taken whole: half of one over the target's is the doubled eye a person sees first. So
    // neither the rim's feather, the forehead's skin rule nor the foreshortening map thins it.
    const f = Math.max(coreSoft[i], (featureSoft[i] * conf[i]) / 255) / 255;
    const a = (f + (1 - f) * skinA) * (1 - keep[i] / 255);
    if (a <= 0) continue;
    const k = i * 3;
    // Features too take the target's light: it is measured on the skin around them (their own pixels
    // weigh nothing), so an eye or a lip keeps all of its own detail while a flash-lit nose tip does not.
    const lab = [0, 0, 0];
    relight(drawn, i, tLight, wLight, relit, f, lab, (reliefFade[i] / 255) * (1 - (1 - S.reliefOnForehead) * (forehead[i] / 255)));
    if (lipsNear[i] && lips) {
      offsetFromLight(drawn, i, wLight, offset);
      // How much of a lip this pixel is: its offset from the skin's light along the reference's lip colour.
      const along = Math.min(1, Math.max(0, (offset[0] * lips.dir[0] + offset[1] * lips.dir[1] + offset[2] * lips.dir[2]) / lips.len));
      const lipness = Math.max(along * (lipsNear[i] / 255), lipsInside[i] / 255);
      for (let c = 0; c < 3; c++) lab[c] += lips.shift[c] * lipness;
      // A reference's gloss brighter than the target's lips ever are is toned down to their contrast.
      if (lipsInside[i] && lab[0] > lips.targetL + lips.targetSpread) lab[0] = lips.targetL + lips.targetSpread + (lab[0] - lips.targetL - lips.targetSpread) * (1 - 0.7 * (lipsInside[i] / 255));
    }
    labToRgbAt(lab[0], lab[1], lab[2], px, 0);
    for (let c = 0; c < 3; c++) pixels[k + c] = Math.round(pixels[k + c] * (1 - a) + px[c] * a);
  }
  return { pixels, warped };
}

/**
 * Proportions and tone only: the target's own face warped onto the shaped mesh (brows, nose and
 * cheeks where the reference has them) and shifted part of the way to the reference's clean-skin
 * tone. Every feature is the target's own, so nothing can go missing or double.
 */
function conservativeSwap(ws: Workspace, pair: SwapPair): Uint8Array {
  const S = SWAP_SETTINGS;
  const { w, h, face, fw, tLab, tgt } = ws;
  const n = w * h;
  const src = face.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  const { rgb, covered } = warpPiecewiseAffine({ data: tgt, width: w, height: h, channels: 3 }, src, ws.dstPts, ws.tris, w, h);
  const region = blendOutline(face, w, h);
  for (let i = 0; i < n; i++) if (!covered[i]) region[i] = 0;
  const alpha = featherInside(region, w, h, Math.max(3, fw * S.featherOfWidth));
  const refLab = rgbToLab(pair.ref.data, 3, pair.ref.width * pair.ref.height);
  const refTone = cleanSkinTone(refLab, pair.refFace, pair.ref.width, pair.ref.height);
  const tTone = cleanSkinTone(tLab, face, w, h, region);
  const shift = [0, 1, 2].map((c) => (refTone[c] - tTone[c]) * S.conservativeTone[c]);
  const lab = rgbToLab(rgb, 3, n);
  // Only skin takes the tone: lips, eyes and brows keep their colour.
  const like = skinLikeness(lab, region, tTone);
  const pixels = Uint8Array.from(tgt);
  const px = new Uint8Array(3);
  for (let i = 0; i < n; i++) {
    const a = alpha[i] / 255;
    if (!a) continue;
    const k = i * 3, t = like[i];
    labToRgbAt(lab[k] + shift[0] * t, lab[k + 1] + shift[1] * t, lab[k + 2] + shift[2] * t, px, 0);
    for (let c = 0; c < 3; c++) pixels[k + c] = Math.round(tgt[k + c] * (1 - a) + px[c] * a);
  }
  return pixels;
}

/** The conservative swap of one pair, written into `out` (the neural path falls back to it too). */
export function conservativeSwapInto(target: RgbImage, out: Uint8Array, pair: SwapPair): void {
  const ws = workspace(target, out, pair);
  pastePixels(out, target.width, 3, conservativeSwap(ws, pair), ws.roi);
}

function swapOne(target: RgbImage, out: Uint8Array, pair: SwapPair): SwapReport {
  const ws = workspace(target, out, pair);
  const notes: string[] = [];
  let mode: SwapMode = pair.mode ?? 'full';
  let pixels: Uint8Array | undefined;
  if (mode === 'full') {
    // First try; if only some features fail, a second try keeps those the target's; then the conservative swap.
    let failed: FeatureName[] = [];
    for (let attempt = 0; attempt < 2 && !pixels; attempt++) {
      const tryNotes: string[] = [];
      const full = fullSwap(ws, pair, tryNotes, failed);
      const artefacts = swapArtefacts({ target: ws.tgt, reference: full.warped, result: full.pixels, width: ws.w, height: ws.h, face: ws.face, expected: ws.dstPts });
      const check = judgeSwap(artefacts);
      if (check.pass) {
        pixels = full.pixels;
        notes.push(...tryNotes);
        break;
      }
      const broken = artefacts.features.filter((f) => f.verdict !== 'ok').map((f) => f.feature);
      const featuresOnly = broken.length === check.reasons.length;
      if (attempt === 1 || !featuresOnly) {
        notes.push(...tryNotes, `full swap failed its check (${check.reasons.join(', ')})`);
        mode = 'conservative';
        break;
      }
      failed = broken;
    }
  }
  pastePixels(out, target.width, 3, pixels ?? conservativeSwap(ws, pair), ws.roi);
  return { mode, notes };
}

/** Returns the target's RGB pixels with every pair swapped, in order, and what was done for each. */
export function swapFaces(args: SwapArgs): SwapResult {
  const rgb = Uint8Array.from(args.target.data);
  const reports = args.pairs.map((pair) => swapOne(args.target, rgb, pair));
  return { rgb, reports };
}
