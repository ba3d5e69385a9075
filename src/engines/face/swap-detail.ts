/**
 * Detail level for the face swap. The swap keeps the reference's fine detail (pores, grain, the crisp
 * edges of its eyes and lips) and takes the target's light. When the two pictures differ in sharpness or
 * grain — a painting and a photo, a grainy scan and a clean photo, a small upscaled face and a large
 * sharp one — the reference's detail looks pasted: photo-sharp eyes in a painted face, a painting's
 * grain on a clean cheek. So the reference's finest bands are scaled toward the target's level, never
 * above the reference's own (nothing is sharpened).
 *
 * Both faces are measured in the target's geometry (the reference already warped there), in bands of
 * L a few pixels wide (a blur is a matter of pixels, not of face widths):
 * - on clean skin, the bands' energy is grain and pores: the reference's skin keeps at most the target's;
 * - around the features, the bands' energy beyond the skin's is the features' edges; its share in the
 *   finest bands against a coarser one says how crisp they are, whatever their contrast (heavy make-up
 *   or pale lips change the amount, not the share). Features keep at most the target's crispness.
 */
import { boxBlur } from './raster.js';

export const DETAIL_SETTINGS = {
  /**
   * Box radii (two passes each, σ ≈ 1.2, 2 and 3.7 px) whose differences are the bands, finest first.
   * The last band is not changed: it is the features' reference for crispness (tried: a coarser one,
   * σ 3.7–7 px, also changing this band, left a painting's swapped eyes visibly crisper).
   */
  radii: [1, 2, 4] as readonly number[],
  /** Gains above this are left at 1: a small difference in detail is not worth touching the reference. */
  leaveAbove: 0.9,
  /** Lowest gain: a band is softened, never wiped (what is left still reads as the reference's). */
  floor: 0.15,
};

/** Energy per band (finest first) on clean skin and, beyond the skin's, around the features. */
export interface DetailLevel {
  skin: number[];
  features: number[];
}

/** Per-band gains (finest first) for the reference's skin and its features. */
export interface DetailGains {
  skin: number[];
  features: number[];
}

/** The band-pass planes of one channel: plane − blur(r₀), blur(r₀) − blur(r₁), …, finest first. */
function bands(plane: Float32Array, w: number, h: number): Float32Array[] {
  const out: Float32Array[] = [];
  let prev = plane;
  for (const r of DETAIL_SETTINGS.radii) {
    const next = Float32Array.from(plane);
    boxBlur(next, w, h, r);
    boxBlur(next, w, h, r);
    out.push(prev.map((v, i) => v - next[i]));
    prev = next;
  }
  return out;
}

function channel(lab: Float32Array, c: number, n: number): Float32Array {
  const p = new Float32Array(n);
  for (let i = 0; i < n; i++) p[i] = lab[i * 3 + c];
  return p;
}

function weightedEnergy(band: Float32Array, weight: ArrayLike<number>): number {
  let e = 0, s = 0;
  for (let i = 0; i < band.length; i++) {
    if (!weight[i]) continue;
    e += weight[i] * band[i] * band[i];
    s += weight[i];
  }
  return s > 0 ? e / s : 0;
}

/** The band-pass planes of a face's lightness (Lab L), finest first. */
function lightnessBands(lab: Float32Array, w: number, h: number): Float32Array[] {
  return bands(channel(lab, 0, w * h), w, h);
}

/**
 * A face's detail level from the bands of its lightness: `skin` weighs clean skin (0..1), `features`
 * (0/255) marks eyes, brows and lips with a margin for lashes and lip edges.
 */
export function detailLevel(b: readonly Float32Array[], skin: Float32Array, features: Uint8Array): DetailLevel {
  const onSkin = b.map((band) => weightedEnergy(band, skin));
  // The features' own edges: their energy beyond what the skin around them holds in the same band
  // (grain and pores in the finest, relief and the light's fall in the coarse one).
  const onFeatures = b.map((band, k) => Math.max(0, weightedEnergy(band, features) - onSkin[k]));
  return { skin: onSkin, features: onFeatures };
}

/** A gain ≤ 1 from an energy ratio (target ÷ reference); near 1 is left at 1. */
function gainOf(ratio: number): number {
  const S = DETAIL_SETTINGS;
  if (!Number.isFinite(ratio)) return 1;
  const g = Math.sqrt(Math.max(0, ratio));
  return g >= S.leaveAbove ? 1 : Math.max(S.floor, g);
}

/**
 * How much of each of the reference's bands to keep. Skin: its grain and pores at most the target's
 * energy. Features: at most the target's crispness — each fine band's share of the coarse band's
 * energy — so a painting's soft eyes ask a photo's eyes to be as soft, while eyes that are only darker
 * or fainter are left alone.
 */
export function detailGains(target: DetailLevel, reference: DetailLevel): DetailGains {
  const coarse = target.features.length - 1;
  const skin = target.skin.slice(0, coarse).map((t, k) => gainOf(t / Math.max(1e-6, reference.skin[k])));
  const tc = target.features[coarse], rc = reference.features[coarse];
  // A face without measurable features (the coarse band at noise level) says nothing about crispness.
  const features = target.features.slice(0, coarse).map((t, k) => (tc < 1 || rc < 1 ? 1 : gainOf(t / tc / Math.max(1e-6, reference.features[k] / rc))));
  return { skin, features };
}

/**
 * The reference's Lab pixels with its fine bands scaled: `featureShare` (0..255) says where a pixel is
 * a feature's (its gain) rather than skin's. Colour bands follow lightness's gains (grain is in both).
 * `lightness`: the bands of its L, already made for measuring its level.
 */
export function withDetailGains(lab: Float32Array, w: number, h: number, gains: DetailGains, featureShare: Uint8Array, lightness: readonly Float32Array[]): Float32Array {
  const n = w * h;
  const out = Float32Array.from(lab);
  if (gains.skin.every((g) => g === 1) && gains.features.every((g) => g === 1)) return out;
  for (let c = 0; c < 3; c++) {
    const b = c === 0 ? lightness : bands(channel(lab, c, n), w, h);
    for (let k = 0; k < gains.skin.length; k++) {
      const gs = gains.skin[k], gf = gains.features[k];
      if (gs === 1 && gf === 1) continue;
      const band = b[k];
      for (let i = 0; i < n; i++) {
        const f = featureShare[i] / 255;
        out[i * 3 + c] -= (1 - (f * gf + (1 - f) * gs)) * band[i];
      }
    }
  }
  return out;
}

export interface DetailInputs {
  /** Lab of the target and of the reference warped onto it, same rectangle. */
  tLab: Float32Array;
  wLab: Float32Array;
  w: number;
  h: number;
  /** Skin-likeness (0..1) of each face's pixels against its clean-skin tone, zero off the skin. */
  tSkin: Float32Array;
  wSkin: Float32Array;
  /** 0/255: the features with their margins (eyes, brows, lips), and 0..255 the same softened: where a pixel takes the features' gains. */
  features: Uint8Array;
  featureShare: Uint8Array;
}

/** The reference's Lab with its detail brought to the target's level, and the gains used. */
export function matchReferenceDetail(x: DetailInputs): { lab: Float32Array; gains: DetailGains } {
  const clean = (skin: Float32Array) => skin.map((v, i) => (x.features[i] ? 0 : v > 0.5 ? v : 0));
  const referenceBands = lightnessBands(x.wLab, x.w, x.h);
  const target = detailLevel(lightnessBands(x.tLab, x.w, x.h), clean(x.tSkin), x.features);
  const reference = detailLevel(referenceBands, clean(x.wSkin), x.features);
  const gains = detailGains(target, reference);
  return { lab: withDetailGains(x.wLab, x.w, x.h, gains, x.featureShare, referenceBands), gains };
}
