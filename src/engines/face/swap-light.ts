/**
 * Light for the face swap: what in a face's pixels is the light it was photographed in rather than the
 * face. Two scales:
 * - the *tone* (a wide skin-weighted low-pass) is the skin colour and the light's direction;
 * - the *shading* (a narrow one, a few % of the face width) is the light's fall over the face's relief:
 *   a flash highlight along the nose, the shadow of a fringe, a cheek lit from above.
 * The swap keeps the reference's detail finer than the shading (pores, freckles, lash lines, the edges
 * of its features) and takes both scales of light from the target, so a reference photographed under a
 * flash or a ceiling lamp does not bring a bright stripe or a dark band with it.
 */
import { boxBlur } from './raster.js';

/** Lab smoothed with per-pixel weights (normalised box blur, two passes); where no weight reaches, the weighted mean. */
export function weightedLowPass(lab: Float32Array, weight: Float32Array, w: number, h: number, r: number): Float32Array {
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

/**
 * Which pixels of the skin mask measure the shading: all skin by place, however bright or dark the light
 * makes it (a highlight is exactly what must be measured), except what is not skin by colour — hair, a
 * beard, a shadowed strand — which is darker than any lit skin and far from the skin's hue.
 */
export function shadingWeights(lab: Float32Array, skin: Uint8Array, tone: readonly number[]): Float32Array {
  const out = new Float32Array(skin.length);
  for (let i = 0; i < skin.length; i++) {
    if (!skin[i]) continue;
    const darker = tone[0] - lab[i * 3];
    const hue = Math.hypot(lab[i * 3 + 1] - tone[1], lab[i * 3 + 2] - tone[2]);
    // Soft limits: a half-lit strand edge weighs half.
    const notHair = Math.min(1, Math.max(0, (40 - darker) / 15)) * Math.min(1, Math.max(0, (28 - hue) / 10));
    out[i] = 0.01 + 0.99 * notHair;
  }
  return out;
}

/** One face's light over the working rectangle: its tone (wide) and shading (narrow) low-passes, Lab. */
export interface FaceLight {
  tone: Float32Array;
  shading: Float32Array;
}

export interface RelightSettings {
  /**
   * Share of the reference's own shading (its relief: cheekbones, the nose's sides, eye sockets) kept
   * where it differs little from the target's, per [L, a, b]; the rest of the light is the target's.
   */
  relief: readonly number[];
  /**
   * Difference from the target's shading (Lab units, per channel) at which that share is halved: a flash
   * stripe down the nose or a fringe's shadow differs by far more than a face's relief, and keeps
   * almost none of it.
   */
  reliefLimit: readonly number[];
  /**
   * Lightness relief where the reference is *darker* than the target's relief there: eye sockets, the
   * sides of the nose, under the cheekbones, the chin's hollow — the face's form, which a person's
   * identity shows in. A highlight (flash stripe, a lamp's patch on the forehead) is brighter than the
   * skin around it, so only the dark side is widened: its share, and a soft cap on how much darker (L)
   * it may make the target's light. Absent: the symmetric limit above, both ways.
   */
  darkening?: { share: number; cap: number };
  /**
   * The reference's colour around its light is scaled by this: the target's skin chroma over the
   * reference's. A feature's colour is relative to its own face's skin, so on a greyscale painting a
   * brown iris or a pink lip comes out grey, not shifted past grey into blue or green.
   */
  chromaScale: number;
}

/**
 * The light to put the reference's pixel under: the target's, with as much of the reference's relief as
 * the settings keep. `weight` (0..1) scales the carried relief at this pixel (e.g. toward the outline);
 * `feature` (0..1) is how much the pixel belongs to an eye, brow, lip or nostril.
 */
function lightFor(target: FaceLight, reference: FaceLight, i: number, c: number, s: RelightSettings, weight: number, feature: number): number {
  const k = i * 3 + c;
  const dt = target.shading[k] - target.tone[k], dr = reference.shading[k] - reference.tone[k];
  const diff = dr - dt;
  const keep = s.relief[c] / (1 + (diff / s.reliefLimit[c]) ** 2);
  if (c === 0 && diff < 0 && s.darkening) {
    // Soft cap: small differences pass at the share, large ones level off at the cap (never reverse).
    // Only on skin: a feature's lightness is scaled by the light (relight), and a lip or a lid lying in
    // the reference's hollow would come out darker than the target's own.
    const { share, cap } = s.darkening;
    const form = (share * diff) / Math.sqrt(1 + (diff / cap) ** 2);
    return target.shading[k] + weight * ((1 - feature) * form + feature * keep * diff);
  }
  return target.shading[k] + weight * keep * diff;
}

/**
 * The reference's pixel i under the target's light, into `out` (Lab). On a feature (`feature` 1),
 * lightness is scaled by the ratio of the two lights (reflectance times light): a dark lash line under a
 * brighter light stays a dark line, where adding the difference would turn it grey. On skin the
 * difference is added: what is left of a hair strand's edge there then fades into the skin instead of
 * staying a dark line. Colour is the new light plus the reference's own offset from its light, scaled
 * as the settings say.
 */
export function relight(ref: Float32Array, i: number, target: FaceLight, reference: FaceLight, s: RelightSettings, feature: number, out: number[], reliefWeight = 1): void {
  const tl = lightFor(target, reference, i, 0, s, reliefWeight, feature), rl = reference.shading[i * 3];
  const scaled = ref[i * 3] * Math.min(2, Math.max(0.5, tl / Math.max(1, rl)));
  out[0] = feature * scaled + (1 - feature) * (ref[i * 3] + tl - rl);
  for (let c = 1; c < 3; c++) out[c] = lightFor(target, reference, i, c, s, reliefWeight, feature) + (ref[i * 3 + c] - reference.shading[i * 3 + c]) * s.chromaScale;
}

/** The reference's offset from its own light at pixel i (Lab), for telling lip from skin. */
export function offsetFromLight(ref: Float32Array, i: number, reference: FaceLight, out: number[]): void {
  for (let c = 0; c < 3; c++) out[c] = ref[i * 3 + c] - reference.shading[i * 3 + c];
}

/** Target skin chroma over the reference's, bounded: the chroma scale of relight(). */
export function chromaScale(targetTone: readonly number[], refTone: readonly number[]): number {
  const t = Math.hypot(targetTone[1], targetTone[2]), r = Math.hypot(refTone[1], refTone[2]);
  return Math.min(1.5, t / Math.max(4, r));
}
