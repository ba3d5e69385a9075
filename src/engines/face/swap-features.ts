/**
 * Which of the reference's features can go onto the target, and the skin tone each face really has.
 * Both faces are judged in the target's geometry (the reference already warped onto it), so one set of
 * masks serves both. An incompatible feature keeps the target's:
 * - an eye open on one face and closed on the other (or much more open), the mouth likewise: the
 *   target's eye with its lids, or its mouth, stays (no lid stretched over an open eye, no lip line over
 *   teeth, no closed eye's make-up around an open one);
 * - eye make-up present on one face and not the other: the target's lids (eye shadow) stay, the
 *   reference's eyes come with their lash line;
 * - facial hair around the reference's mouth: the target's mouth stays, and (in the kernel) no
 *   non-skin reference pixel comes over with the skin.
 */
import { hardRegionMask, meshFaceWidth, type FaceInfo } from './analysis.js';
import { LEFT_BROW, LEFT_EYE, LEFT_EYE_OPENING, LEFT_LID_TO_BROW, RIGHT_BROW, LIPS_INNER, LIPS_OUTER, MOUTH_OPENING, RIGHT_EYE, RIGHT_EYE_OPENING, RIGHT_LID_TO_BROW } from './mesh-regions.js';
import { boxBlur, convexHull, cropPixels, dilate, fillPolygon, roiAround, softenCentred, type Point } from './raster.js';
import { rgbToLab } from '../lab.js';
import type { RgbImage } from './warp.js';
import { FEATURE_OUTLINES, type FeatureName } from './swap-check.js';

export const FEATURE_SETTINGS = {
  /** Openness (gap ÷ width) below which an eye counts as closed and above which it counts as open; between, it agrees with either. */
  eyeClosedOpen: [0.12, 0.2] as [number, number],
  /** The same for the mouth (lips apart). */
  mouthClosedOpen: [0.06, 0.15] as [number, number],
  /**
   * Share of the mouth (outer lip outline) that is a visible gap — teeth or the dark inside, neither lip-
   * coloured — above which a mouth counts as parted, and below which as shut: slightly parted lips over
   * shut ones leave a white or dark slit however small the openness difference.
   */
  mouthGapPartedShut: [0.03, 0.015] as [number, number],
  /**
   * Glasses: share of the ring around the eyes (5–16 % of the face width out, brows left out) holding a
   * strong edge (> 6 L per pixel). Bare faces measured 0.02–0.10 (the highest: heavy eye make-up), dark
   * frames drawn on them 0.25–0.46, thin grey ones 0.09–0.30: thin light frames can be missed.
   */
  glassesEdgeShare: 0.17,
  /** How far around the eyes the target's own eye region stays when either face wears glasses (share of face width): the frames' reach. */
  glassesReach: 0.17,
  /** Any openness difference this large also counts as a different expression (half-closed lids on wide-open eyes). */
  opennessDifference: 0.1,
  /** Eye-shadow area's colour offset from the face's skin (a, b; L at a quarter) that differs this much between the faces = different make-up. */
  makeupDifference: 9,
  /** Share of the ring around the reference's mouth that is not skin, beyond the target's, from which it counts as facial hair. */
  facialHairShare: 0.3,
  /** Brows are the reference's whole even when the eyes below them stay the target's (off: they go with the kept lids). */
  browsWhole: true,
  /** How far around both faces' brows (share of face width) the kept lids give way to the reference's brows. */
  browClearance: 0.03,
  /** Head pitch difference (degrees) above which the brows go with the kept lids all the same. */
  browPitchDifference: 8,
  /**
   * Skin chroma (Lab a, b) below which a face has no colour (a greyscale painting or photo): its lips
   * cannot be told apart by colour, so on a coloured target its mouth stays the target's — given the
   * target's lip colour over the mesh's lip outline, a greyscale mouth comes out as a pink band
   * wherever outline and lips differ.
   */
  colourlessChroma: 4,
  /** Lab distance (L at half weight) from the clean skin tone at which a pixel stops counting as skin. */
  skinTolerance: 14,
};

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Gap between lids or lips divided by the corner-to-corner width: ~0 closed, ~0.3 wide open. */
export function openness(face: FaceInfo, [upper, lower, c1, c2]: readonly number[]): number {
  return dist(face.mesh[upper], face.mesh[lower]) / Math.max(1e-6, dist(face.mesh[c1], face.mesh[c2]));
}

function differentOpenness(a: number, b: number, [closed, open]: [number, number]): boolean {
  return (a < closed && b > open) || (b < closed && a > open) || Math.abs(a - b) >= FEATURE_SETTINGS.opennessDifference;
}

export function labDistance(lab: Float32Array, i: number, to: readonly number[]): number {
  return Math.hypot((lab[i * 3] - to[0]) * 0.5, lab[i * 3 + 1] - to[1], lab[i * 3 + 2] - to[2]);
}

/**
 * The skin tone of a face from its cheeks and forehead only (where hair, beards, lashes and lid
 * make-up rarely are): the median, then the mean of the pixels near it, so a fringe or a shadow
 * over part of those areas drops out.
 */
export function cleanSkinTone(lab: Float32Array, face: FaceInfo, w: number, h: number, within?: Uint8Array): [number, number, number] {
  const area = hardRegionMask(face, 'cheeks', w, h);
  const forehead = hardRegionMask(face, 'forehead', w, h);
  const idx: number[] = [];
  for (let i = 0; i < area.length; i++) if ((area[i] || forehead[i]) && (!within || within[i])) idx.push(i);
  if (idx.length === 0) return [60, 12, 16];
  const median = (c: number) => {
    const v = idx.map((i) => lab[i * 3 + c]).sort((p, q) => p - q);
    return v[v.length >> 1];
  };
  const m = [median(0), median(1), median(2)];
  const s = [0, 0, 0];
  let n = 0;
  for (const i of idx) {
    if (labDistance(lab, i, m) > FEATURE_SETTINGS.skinTolerance) continue;
    n++;
    for (let c = 0; c < 3; c++) s[c] += lab[i * 3 + c];
  }
  return n ? [s[0] / n, s[1] / n, s[2] / n] : (m as [number, number, number]);
}

/** 0..1 per pixel of `region`: how much a pixel looks like the given skin tone. */
export function skinLikeness(lab: Float32Array, region: Uint8Array, tone: readonly number[]): Float32Array {
  const tol = FEATURE_SETTINGS.skinTolerance;
  const out = new Float32Array(region.length);
  for (let i = 0; i < region.length; i++) if (region[i]) out[i] = Math.exp(-((labDistance(lab, i, tone) / tol) ** 2));
  return out;
}

function meanOffset(lab: Float32Array, mask: Uint8Array, tone: readonly number[]): [number, number, number] {
  const s = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    n++;
    for (let c = 0; c < 3; c++) s[c] += lab[i * 3 + c] - tone[c];
  }
  return n ? [s[0] / n, s[1] / n, s[2] / n] : [0, 0, 0];
}

function nonSkinShare(lab: Float32Array, mask: Uint8Array, tone: readonly number[]): number {
  let n = 0, off = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    n++;
    if (labDistance(lab, i, tone) > FEATURE_SETTINGS.skinTolerance * 1.5) off++;
  }
  return n ? off / n : 0;
}

/**
 * Share of a face's mouth (inside the outer lip outline) that shows a gap between the lips: pixels inside
 * the inner lip outline far from the lips' own colour (teeth are brighter, the inside darker). Measured
 * in the face's own photo, where the gap has its real size (warped onto a shut mouth it would vanish).
 */
export function mouthGap(img: RgbImage, face: FaceInfo): number {
  const roi = roiAround(LIPS_OUTER.map((i) => face.mesh[i]), 2, img.width, img.height);
  const [x0, y0, x1, y1] = roi;
  const w = x1 - x0, h = y1 - y0, n = w * h;
  if (n <= 0) return 0;
  const lab = rgbToLab(cropPixels(img.data, img.width, img.channels, roi), img.channels, n);
  const at = (idx: readonly number[]) => idx.map((i) => [face.mesh[i][0] - x0, face.mesh[i][1] - y0] as Point);
  const outer = new Uint8Array(n), inner = new Uint8Array(n);
  fillPolygon(outer, w, h, at(LIPS_OUTER));
  fillPolygon(inner, w, h, at(LIPS_INNER));
  const lip: number[] = [];
  for (let i = 0; i < n; i++) if (outer[i] && !inner[i]) lip.push(i);
  if (lip.length === 0) return 0;
  const median = (c: number) => lip.map((i) => lab[i * 3 + c]).sort((p, q) => p - q)[lip.length >> 1];
  const tone = [median(0), median(1), median(2)];
  let mouth = 0, gap = 0;
  for (let i = 0; i < n; i++) {
    if (!outer[i]) continue;
    mouth++;
    if (inner[i] && labDistance(lab, i, tone) > FEATURE_SETTINGS.skinTolerance * 0.85) gap++;
  }
  return mouth ? gap / mouth : 0;
}

/**
 * Whether a face wears glasses, from its own photo: their rims and bridge draw strong edges in the ring
 * around the eyes, where bare skin (lids, cheek tops, the nose's root) is smooth.
 */
export function wearsGlasses(img: RgbImage, face: FaceInfo): boolean {
  const fw = meshFaceWidth(face);
  const reach = Math.round(fw * 0.16);
  const roi = roiAround([...RIGHT_EYE, ...LEFT_EYE].map((i) => face.mesh[i]), reach + 3, img.width, img.height);
  const [x0, y0, x1, y1] = roi;
  const w = x1 - x0, h = y1 - y0, n = w * h;
  if (w < 3 || h < 3) return false;
  const lab = rgbToLab(cropPixels(img.data, img.width, img.channels, roi), img.channels, n);
  const L = new Float32Array(n);
  for (let i = 0; i < n; i++) L[i] = lab[i * 3];
  // A light smoothing: noise and JPEG blocks are not edges.
  boxBlur(L, w, h, 1);
  const local: FaceInfo = { ...face, mesh: face.mesh.map(([x, y]) => [x - x0, y - y0] as [number, number]) };
  const eyes = hardRegionMask(local, 'eyes', w, h);
  const inner = dilate(eyes, w, h, Math.max(1, Math.round(fw * 0.05))), outer = dilate(eyes, w, h, reach);
  const brows = dilate(hardRegionMask(local, 'brows', w, h), w, h, Math.max(1, Math.round(fw * 0.03)));
  let ring = 0, strong = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!outer[i] || inner[i] || brows[i]) continue;
      ring++;
      if (Math.hypot((L[i + 1] - L[i - 1]) / 2, (L[i + w] - L[i - w]) / 2) > 6) strong++;
    }
  }
  return ring > 0 && strong / ring > FEATURE_SETTINGS.glassesEdgeShare;
}

export interface FeatureInputs {
  /** The target face (in the working rectangle) and the reference face as warped there. */
  face: FaceInfo;
  refFace: FaceInfo;
  tLab: Float32Array;
  wLab: Float32Array;
  tTone: readonly number[];
  wTone: readonly number[];
  w: number;
  h: number;
  faceWidth: number;
  /** The mesh the reference is drawn into (brows and nose moved to its proportions). */
  shapedMesh: readonly Point[];
  /** wearsGlasses() of each face in its own photo (omitted: not judged). */
  glasses?: { target: boolean; reference: boolean };
  /** mouthGap() of each face in its own photo (omitted: not judged). */
  mouthGaps?: { target: number; reference: number };
  /** Features the self-check found broken on a first try: these stay the target's too. */
  failed?: readonly FeatureName[];
}

/** 0..255 per pixel: where the target's own feature stays; with the reasons, for the result's meta. */
export function keptFeatures(x: FeatureInputs): { keep: Uint8Array; reasons: string[] } {
  const S = FEATURE_SETTINGS;
  const { face, refFace, w, h, faceWidth: fw } = x;
  const n = w * h;
  const keep = new Uint8Array(n);
  const reasons: string[] = [];
  const fill = (outline: readonly number[]) => fillPolygon(keep, w, h, outline.map((i) => face.mesh[i]));
  const eyeArea = (eye: readonly number[], lids: readonly number[]) => {
    fill(eye);
    fill(lids);
  };

  const eyeshadow = hardRegionMask(face, 'eyeshadow', w, h);
  const tm = meanOffset(x.tLab, eyeshadow, x.tTone), wm = meanOffset(x.wLab, eyeshadow, x.wTone);
  const makeup = Math.hypot((tm[0] - wm[0]) * 0.25, tm[1] - wm[1], tm[2] - wm[2]);
  const eyeReasons: string[] = [];
  const lidsOnly = new Uint8Array(n);
  for (const [name, opening] of [['right eye', RIGHT_EYE_OPENING], ['left eye', LEFT_EYE_OPENING]] as const) {
    if (differentOpenness(openness(face, opening), openness(refFace, opening), S.eyeClosedOpen)) eyeReasons.push(`${name} open/closed differs`);
  }
  // Glasses on either face: the target's eyes stay with everything the frames reach (rims, bridge), so
  // neither a reference's frames come over nor a target's frames are painted over with skin. Otherwise
  // both eyes go together: one kept eye beside a swapped one mixes two gazes and two make-ups.
  if (x.glasses && (x.glasses.target || x.glasses.reference)) {
    const who = [x.glasses.target && 'target', x.glasses.reference && 'reference'].filter(Boolean).join(' and ');
    reasons.push(`glasses on the ${who}: eye region kept`, ...eyeReasons);
    const eyes = new Uint8Array(n);
    for (const e of [RIGHT_EYE, LEFT_EYE]) fillPolygon(eyes, w, h, e.map((i) => face.mesh[i]));
    fillPolygon(eyes, w, h, convexHull([...RIGHT_EYE, ...LEFT_EYE].map((i) => face.mesh[i])));
    const region = dilate(eyes, w, h, Math.max(1, Math.round(fw * S.glassesReach)));
    for (let i = 0; i < n; i++) keep[i] |= region[i];
  } else if (eyeReasons.length) {
    reasons.push(...eyeReasons);
    eyeArea(RIGHT_EYE, RIGHT_LID_TO_BROW);
    eyeArea(LEFT_EYE, LEFT_LID_TO_BROW);
  } else if (makeup > S.makeupDifference) {
    // Only the lids: the eye itself (shape, iris, lash line) carries much of who a face is.
    reasons.push(`eye make-up differs (${makeup.toFixed(0)}): lids kept`);
    const lids = new Uint8Array(n);
    for (const l of [RIGHT_LID_TO_BROW, LEFT_LID_TO_BROW]) fillPolygon(lids, w, h, l.map((i) => face.mesh[i]));
    const eyes = new Uint8Array(n);
    for (const e of [RIGHT_EYE, LEFT_EYE]) fillPolygon(eyes, w, h, e.map((i) => face.mesh[i]));
    const clear = dilate(eyes, w, h, Math.max(1, Math.round(fw * 0.02)));
    for (let i = 0; i < n; i++) if (lids[i] && !clear[i]) lidsOnly[i] = 255;
  }

  // Facial hair: the ring around the mouth (lips to ~12 % of the face width out) not skin on the reference only.
  const lips = new Uint8Array(n);
  fillPolygon(lips, w, h, LIPS_OUTER.map((i) => face.mesh[i]));
  const ring = dilate(lips, w, h, Math.max(1, Math.round(fw * 0.12)));
  const nearLips = dilate(lips, w, h, Math.max(1, Math.round(fw * 0.02)));
  const oval = hardRegionMask(face, 'oval', w, h);
  for (let i = 0; i < n; i++) if (nearLips[i] || !oval[i]) ring[i] = 0;
  const hair = nonSkinShare(x.wLab, ring, x.wTone) - nonSkinShare(x.tLab, ring, x.tTone) > S.facialHairShare;
  if (hair) reasons.push('facial hair around the mouth');
  const [parted, shut] = S.mouthGapPartedShut;
  const gaps = x.mouthGaps;
  const gapDiffers = gaps !== undefined && ((gaps.target > parted && gaps.reference < shut) || (gaps.reference > parted && gaps.target < shut));
  const opennessDiffers = differentOpenness(openness(face, MOUTH_OPENING), openness(refFace, MOUTH_OPENING), S.mouthClosedOpen);
  const chroma = (tone: readonly number[]) => Math.hypot(tone[1], tone[2]);
  const colourless = chroma(x.wTone) < S.colourlessChroma && chroma(x.tTone) >= S.colourlessChroma;
  if (hair || gapDiffers || opennessDiffers || colourless) {
    if (!hair) reasons.push(opennessDiffers ? 'mouth open/closed differs' : gapDiffers ? 'lips parted on one face, shut on the other' : 'reference without colour: its lips cannot be told from its skin');
    fill(LIPS_OUTER);
    fill(LIPS_INNER);
  }
  // A feature the check found missing or doubled: the target's, over both where the target has it and
  // where the reference's proportions put it (so no second copy is left at either place). An eye or a
  // brow goes with its pair: one face's brow beside the other's reads as a pale gap or a lopsided face.
  for (const name of new Set(x.failed ?? [])) {
    reasons.push(`${name} failed the check`);
    const eyes: FeatureName[] = name.endsWith('eye') ? ['right eye', 'left eye'] : name.endsWith('brow') ? ['right brow', 'left brow'] : [name];
    for (const e of eyes) {
      fill(FEATURE_OUTLINES[e].outline);
      fillPolygon(keep, w, h, FEATURE_OUTLINES[e].outline.map((i) => x.shapedMesh[i]));
    }
    if (name.endsWith('eye')) {
      fill(RIGHT_LID_TO_BROW);
      fill(LEFT_LID_TO_BROW);
    }
  }
  // Lashes, the lid crease and the lip edge sit just outside the landmark outlines; the seam lies in skin.
  const grown = dilate(keep, w, h, Math.max(1, Math.round(fw * 0.045)));
  // Kept lids are not grown: growing them would cover the reference's lash line again.
  for (let i = 0; i < n; i++) grown[i] |= lidsOnly[i];
  // The brows are the reference's whole wherever nothing but the eyes below them differ: a brow carries
  // much of who a face is (the identity embedding moved most for them of any feature, per unit of change),
  // and an open or closed eye, or lid make-up, says nothing about it. Both faces' brow places are cleared,
  // so neither a target brow beside the reference's nor half of one stays.
  // Glasses (their frames reach the brows), a brow or an eye that failed the check (the second try keeps
  // the eye with its lids and brow, as it did before brows came whole), and a head tilted up or down
  // differently keep the target's: a head bent forward shows its brows foreshortened, with the brow
  // ridge's shadow and any fringe over them (stretched onto a face held level, a heavy smudge and a line).
  const pitchDiffers = Math.abs(face.pitch - refFace.pitch) > S.browPitchDifference;
  const browsKept = (x.glasses && (x.glasses.target || x.glasses.reference)) || (x.failed ?? []).some((f) => f.endsWith('brow') || f.endsWith('eye')) || pitchDiffers;
  if (!browsKept && S.browsWhole) {
    const brows = new Uint8Array(n);
    for (const b of [RIGHT_BROW, LEFT_BROW]) {
      fillPolygon(brows, w, h, b.map((i) => face.mesh[i]));
      fillPolygon(brows, w, h, b.map((i) => x.shapedMesh[i]));
    }
    const clear = dilate(brows, w, h, Math.max(1, Math.round(fw * S.browClearance)));
    // The kept eye stays clear of the reference's brow: only what the lids' growth reached is given back.
    const eyes = new Uint8Array(n);
    for (const e of [RIGHT_EYE, LEFT_EYE]) fillPolygon(eyes, w, h, e.map((i) => face.mesh[i]));
    const eyeReach = dilate(eyes, w, h, Math.max(1, Math.round(fw * 0.05)));
    for (let i = 0; i < n; i++) if (clear[i] && !eyeReach[i]) grown[i] = 0;
  }
  return { keep: softenCentred(grown, w, h, Math.max(1, fw * 0.025)), reasons };
}
