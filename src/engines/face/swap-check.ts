/**
 * What a person sees wrong in a swapped face, measured against the two inputs at the same place:
 * the target and the reference already drawn in the target's geometry. A swap writes, pixel by pixel,
 * a mix of those two, so
 * - a feature (eye, brow, mouth, nose) is *missing* when the result holds much less detail there than
 *   the target had (a reference eye stretched into skin, a painting's faint eye), and *doubled* when the result's detail is a
 *   clear mix of both inputs' where they disagree (two eyes half over each other);
 * - a strong edge in the face that neither input has near that place is an artefact (a hard cut
 *   between two faces, a ring);
 * - skin pixels far from the face's own skin tone that the target did not have are pasted blotches
 *   (a beard, eye make-up, a shadow brought over with the skin).
 * Used by the swap's self-check and by the quality benchmark; works on a rectangle around one face.
 */
import { hardRegionMask, meshFaceWidth, type FaceInfo } from './analysis.js';
import { rgbToLab } from '../lab.js';
import { LEFT_BROW, LEFT_EYE, LIPS_OUTER, NOSE_BASE, RIGHT_BROW, RIGHT_EYE } from './mesh-regions.js';
import { boxBlur, dilate, erode, fillPolygon, maxFilter, type Point } from './raster.js';
import { shadingWeights, weightedLowPass } from './swap-light.js';

export type FeatureName = 'right eye' | 'left eye' | 'right brow' | 'left brow' | 'mouth' | 'nose';

/** Each feature's outline and how far around it its detail (lashes, lid crease, lip edge) is judged, as a share of the face width. */
export const FEATURE_OUTLINES: Record<FeatureName, { outline: readonly number[]; grow: number }> = {
  'right eye': { outline: RIGHT_EYE, grow: 0.04 },
  'left eye': { outline: LEFT_EYE, grow: 0.04 },
  'right brow': { outline: RIGHT_BROW, grow: 0.025 },
  'left brow': { outline: LEFT_BROW, grow: 0.025 },
  mouth: { outline: LIPS_OUTER, grow: 0.03 },
  nose: { outline: NOSE_BASE, grow: 0.01 },
};

export const CHECK_SETTINGS = {
  /**
   * Box radius (share of face width) of the skin light whose residual is a feature's detail: the swap's
   * shading radius, finer than which everything is the reference's.
   */
  detailOfWidth: 0.035,
  /** Detail energy of the result below this share of the target's = the feature is gone or a ghost (amplitude ≈ 0.55). */
  missingEnergy: 0.3,
  /** Both inputs weigh at least this much in the result's detail where they disagree = a doubled feature. */
  mixedWeight: 0.3,
  /** Inputs agree (nothing can double) when their details correlate above this. */
  agreeCorrelation: 0.5,
  /**
   * A feature's detail (RMS) must stand this many times above its face's skin texture (the robust spread of
   * the skin's own detail: pores, grain, JPEG) to be seen at all; fainter in either input, nothing can double.
   * A nose's dark detail under the target's light is often at that level (the noses then flagged were single).
   */
  visibleContrast: 2,
  /** L units per pixel by which the result's edge must exceed both inputs' near it to count as new. */
  newEdgeMargin: 6,
  /** Neighbourhood (share of face width) in which an input's edge excuses the result's. */
  edgeSlackOfWidth: 0.015,
  /** Lab distance (L at half weight) from the skin tone beyond which a skin pixel is an outlier. */
  outlierDistance: 22,
  /** Self-check limits: the share of face pixels with a new strong edge, and the skin outlier share the swap may add. */
  maxNewEdgeShare: 0.03,
  maxOutlierShare: 0.06,
};

export interface FeatureVerdict {
  feature: FeatureName;
  /** Result detail energy ÷ the target's. */
  detailRatio: number;
  /** Least-squares weights of the target's and the reference's detail in the result's. */
  targetWeight: number;
  refWeight: number;
  /** Correlation of the target's and the reference's detail there (below agreeCorrelation they disagree). */
  agreement: number;
  verdict: 'ok' | 'missing' | 'doubled';
}

export interface SwapArtefacts {
  features: FeatureVerdict[];
  /** Share of face-oval pixels holding a strong edge that neither input has nearby. */
  newEdgeShare: number;
  /** Share of skin pixels far from the skin tone, beyond the target's own share. */
  skinOutlierShare: number;
}

export interface CheckImages {
  /** Interleaved RGB of the same size: the target, the reference drawn in the target's geometry (omit when there is none, e.g. after a neural swap), the result. */
  target: Uint8Array;
  reference?: Uint8Array;
  result: Uint8Array;
  width: number;
  height: number;
  /** The target face, in the same coordinates. */
  face: FaceInfo;
  /** The mesh the swap drew into (the reference's proportions move brows and nose): a feature is judged over both places. */
  expected?: readonly Point[];
}

function lightness(lab: Float32Array, n: number): Float32Array {
  const L = new Float32Array(n);
  for (let i = 0; i < n; i++) L[i] = lab[i * 3];
  return L;
}

function medianTone(lab: Float32Array, mask: Uint8Array): [number, number, number] {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  if (idx.length === 0) return [60, 12, 16];
  const median = (c: number) => {
    const v = idx.map((i) => lab[i * 3 + c]).sort((p, q) => p - q);
    return v[v.length >> 1];
  };
  return [median(0), median(1), median(2)];
}

/**
 * L minus the light on the skin around it: a feature's own contrast, whatever the light. The light is
 * a low-pass of the skin only (the features' own pixels weigh nothing: swap-light.ts), so an eye, a brow
 * or a lip line stays whole in the detail while the fall of light over the face does not enter it — the
 * swap takes that from the target by design, and counting it would make every light-matched feature
 * look like a mix of two.
 */
function detail(lab: Float32Array, skin: Uint8Array, w: number, h: number, r: number): Float32Array {
  const light = weightedLowPass(lab, shadingWeights(lab, skin, medianTone(lab, skin)), w, h, r);
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = lab[i * 3] - light[i * 3];
  return out;
}

/** Gradient magnitude of L after a light smoothing (noise and JPEG blocks are not edges). */
function edges(L: Float32Array, w: number, h: number): Float32Array {
  const s = Float32Array.from(L);
  boxBlur(s, w, h, 1);
  const g = new Float32Array(L.length);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      g[i] = Math.hypot((s[i + 1] - s[i - 1]) / 2, (s[i + w] - s[i - w]) / 2);
    }
  }
  return g;
}

/** Robust spread (1.4826 × median |v|) of a detail plane over a mask: the skin's texture, in L units. */
function texture(d: Float32Array, mask: Uint8Array): number {
  const v: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) v.push(Math.abs(d[i]));
  if (v.length === 0) return 0;
  v.sort((p, q) => p - q);
  return 1.4826 * v[v.length >> 1];
}

/** `textures`: the skin texture of the target and the reference (texture()), the yardstick of what is visible. */
function judgeFeature(feature: FeatureName, mask: Uint8Array, t: Float32Array, r: Float32Array, ref: Float32Array | undefined, textures: readonly [number, number]): FeatureVerdict {
  const S = CHECK_SETTINGS;
  let tt = 0, rr = 0, ww = 0, tw = 0, rt = 0, rw = 0, count = 0;
  // The nose as a feature is its nostrils and underside, darker than the skin's light; its bright side is
  // light, which the swap takes partly from the target by design (a mix there is not a second nose).
  const part = feature === 'nose' ? (v: number) => Math.min(0, v) : (v: number) => v;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const a = part(t[i]), c = part(r[i]), b = ref ? part(ref[i]) : 0;
    count++;
    tt += a * a; rr += c * c; ww += b * b; tw += a * b; rt += c * a; rw += c * b;
  }
  const detailRatio = rr / Math.max(1e-6, tt);
  let targetWeight = rt / Math.max(1e-6, tt), refWeight = 0;
  if (ref) {
    const det = tt * ww - tw * tw;
    if (det > 1e-6 * tt * ww) {
      targetWeight = (rt * ww - rw * tw) / det;
      refWeight = (rw * tt - rt * tw) / det;
    }
  }
  const agree = ref ? tw / Math.sqrt(Math.max(1e-9, tt * ww)) : 1;
  let verdict: FeatureVerdict['verdict'] = 'ok';
  // Two features can only double where both inputs have one (a reference without brows has nothing to double),
  // each standing out of its own skin's texture.
  const rms = (e: number) => Math.sqrt(e / Math.max(1, count));
  const visible = rms(tt) > S.visibleContrast * textures[0] && rms(ww) > S.visibleContrast * textures[1];
  const bothHaveOne = ref !== undefined && ww > S.missingEnergy * tt && tt > S.missingEnergy * ww && visible;
  // Faint counts as missing even when the reference's own feature is faint (a painting's eyes): a ghost
  // of an eye is what a person sees. The nose's detail is mostly shading, weaker on any flat-lit face.
  if (detailRatio < S.missingEnergy * (feature === 'nose' ? 0.5 : 1)) verdict = 'missing';
  else if (bothHaveOne && agree < S.agreeCorrelation && targetWeight > S.mixedWeight && refWeight > S.mixedWeight) verdict = 'doubled';
  return { feature, detailRatio, targetWeight, refWeight, agreement: agree, verdict };
}

function skinOutliers(lab: Float32Array, skin: Uint8Array): number {
  // The tone: median a/b and L over the skin pixels (robust to the beard, brows or shadows inside).
  const idx: number[] = [];
  for (let i = 0; i < skin.length; i++) if (skin[i]) idx.push(i);
  if (idx.length === 0) return 0;
  const median = (c: number) => {
    const v = idx.map((i) => lab[i * 3 + c]).sort((p, q) => p - q);
    return v[v.length >> 1];
  };
  const tone = [median(0), median(1), median(2)];
  let out = 0;
  for (const i of idx) if (Math.hypot((lab[i * 3] - tone[0]) * 0.5, lab[i * 3 + 1] - tone[1], lab[i * 3 + 2] - tone[2]) > CHECK_SETTINGS.outlierDistance) out++;
  return out / idx.length;
}

/** Measures the artefacts of one swapped face. */
export function swapArtefacts(img: CheckImages): SwapArtefacts {
  const { width: w, height: h, face } = img;
  const n = w * h;
  const fw = meshFaceWidth(face);
  const S = CHECK_SETTINGS;
  const labT = rgbToLab(img.target, 3, n), labR = rgbToLab(img.result, 3, n);
  const labW = img.reference && rgbToLab(img.reference, 3, n);
  const Lt = lightness(labT, n), Lr = lightness(labR, n);
  const Lw = labW && lightness(labW, n);
  // The skin the light is measured on: neither the target's features nor those the swap drew.
  const lightSkin = hardRegionMask(face, 'skin', w, h);
  if (img.expected) {
    const drawn = new Uint8Array(n);
    for (const { outline } of Object.values(FEATURE_OUTLINES)) fillPolygon(drawn, w, h, outline.map((i) => img.expected![i]));
    for (let i = 0; i < n; i++) if (drawn[i]) lightSkin[i] = 0;
  }
  const rd = Math.max(1, Math.round(fw * S.detailOfWidth));
  const dt = detail(labT, lightSkin, w, h, rd), dr = detail(labR, lightSkin, w, h, rd);
  const dw = labW && detail(labW, lightSkin, w, h, rd);

  // The face away from its outline (the outline is the target's own edge): where new edges are judged.
  const oval = erode(hardRegionMask(face, 'oval', w, h), w, h, Math.max(1, Math.round(fw * 0.03)));
  // Skin: the face oval without the features (grown, so lashes and lip edges do not count).
  const skin = hardRegionMask(face, 'skin', w, h);
  const features2 = new Uint8Array(n);
  for (const { outline } of Object.values(FEATURE_OUTLINES)) fillPolygon(features2, w, h, outline.map((i) => face.mesh[i]));
  const grown = dilate(features2, w, h, Math.max(1, Math.round(fw * 0.04)));
  for (let i = 0; i < n; i++) if (grown[i] || !oval[i]) skin[i] = 0;
  const textures: [number, number] = [texture(dt, skin), dw ? texture(dw, skin) : 0];

  const features = (Object.keys(FEATURE_OUTLINES) as FeatureName[]).map((name) => {
    const { outline, grow } = FEATURE_OUTLINES[name];
    const m = new Uint8Array(n);
    fillPolygon(m, w, h, outline.map((i) => face.mesh[i]));
    if (img.expected) fillPolygon(m, w, h, outline.map((i) => img.expected![i]));
    return judgeFeature(name, dilate(m, w, h, Math.max(1, Math.round(fw * grow))), dt, dr, dw, textures);
  });

  const slack = Math.max(1, Math.round(fw * S.edgeSlackOfWidth));
  const gr = edges(Lr, w, h);
  const gt = maxFilter(edges(Lt, w, h), w, h, slack);
  const gw = Lw && maxFilter(edges(Lw, w, h), w, h, slack);
  let inOval = 0, newEdge = 0;
  for (let i = 0; i < n; i++) {
    if (!oval[i]) continue;
    inOval++;
    // Without the reference's pixels (a neural swap draws a new face) every edge could be the reference's: none counts.
    if (gw && gr[i] > Math.max(gt[i], gw[i]) + S.newEdgeMargin) newEdge++;
  }

  const outliers = Math.max(0, skinOutliers(labR, skin) - skinOutliers(labT, skin));

  return { features, newEdgeShare: inOval ? newEdge / inOval : 0, skinOutlierShare: outliers };
}

/** A feature of the result's mesh further than this (share of face width) from where the swap put it counts as displaced. */
export const MAX_FEATURE_SHIFT = 0.08;

/**
 * The features the face analysis of the result does not find where the swap drew them: `expected` is
 * the mesh the swap rendered into (the target's eyes and mouth, the reference's proportions between).
 */
export function displacedFeatures(found: FaceInfo, expected: readonly Point[], faceWidth: number): FeatureName[] {
  const centre = (mesh: readonly Point[], idx: readonly number[]) => idx.reduce<Point>((c, i) => [c[0] + mesh[i][0] / idx.length, c[1] + mesh[i][1] / idx.length], [0, 0]);
  return (Object.keys(FEATURE_OUTLINES) as FeatureName[]).filter((name) => {
    const idx = FEATURE_OUTLINES[name].outline;
    const [a, b] = [centre(found.mesh, idx), centre(expected, idx)];
    return Math.hypot(a[0] - b[0], a[1] - b[1]) / faceWidth > MAX_FEATURE_SHIFT;
  });
}

/** The features that fail, and whether the whole face passes the self-check. */
export function judgeSwap(a: SwapArtefacts): { pass: boolean; reasons: string[] } {
  const reasons = a.features.filter((f) => f.verdict !== 'ok').map((f) => `${f.feature} ${f.verdict}`);
  if (a.newEdgeShare > CHECK_SETTINGS.maxNewEdgeShare) reasons.push(`new edges on ${(a.newEdgeShare * 100).toFixed(1)} % of the face`);
  if (a.skinOutlierShare > CHECK_SETTINGS.maxOutlierShare) reasons.push(`off-tone skin on ${(a.skinOutlierShare * 100).toFixed(1)} % of the face`);
  return { pass: reasons.length === 0, reasons };
}

/** One figure for comparing swaps (lower is better): % of face with new edges + % off-tone skin + 10 per missing or doubled feature. */
export function artefactScore(a: SwapArtefacts): number {
  return 100 * (a.newEdgeShare + a.skinOutlierShare) + 10 * a.features.filter((f) => f.verdict !== 'ok').length;
}
