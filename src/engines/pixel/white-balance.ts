/**
 * Neutral white balance that does no harm: estimate the illuminant, decide how sure we are that it is
 * a cast and not the scene's own colour, and correct only that much, in linear light with a von Kries
 * diagonal (each channel scaled by one gain).
 *
 * - The estimate is gray-edge (edges average to gray far more often than surfaces do, so a lawn, a sky
 *   or a red wall pulls it much less than gray-world).
 * - Confidence comes from agreement: the brightest pixels (white patch) look at different evidence;
 *   when they point elsewhere than gray-edge, the colour is probably content (a yellow fruit bowl
 *   lit white) and the correction shrinks to nothing. The angle between two estimates does not change
 *   when a cast is applied, so this does not favour the photos that happen to be casted.
 * - A small estimated cast is left alone (dead zone, then a ramp), and a very strong apparent cast
 *   is more often a coloured scene (a dusk sky, a ginger cat filling the frame) than a lamp, so past
 *   10° the correction tapers off and past 18° it is not applied at all.
 */
import { linearToSrgbByte, SRGB_TO_LINEAR } from '../lab.js';
import { angularError, brightPixels, grayEdge, grayShare, linearThumb, type Triple } from './illuminant.js';

/** Estimated casts under DEAD_ZONE degrees are left as they are; from FULL_FROM up they are corrected fully. */
const DEAD_ZONE = 1.5;
const FULL_FROM = 4;
/** Apparent casts up to FULL_UNTIL degrees are corrected fully; beyond, less and less, none past NONE_FROM. */
const FULL_UNTIL = 10;
const NONE_FROM = 18;
/** Spread between estimates (degrees) up to which they count as agreeing, and where agreement ends. */
const AGREE_FULL = 6;
const AGREE_NONE = 16;
/**
 * Share of the photo (points of its usable pixels) by which grays as they are outnumber grays under
 * the estimated light, from which the correction shrinks, and where it stops.
 */
const GRAYS_KEPT_FROM = 0.03;
const GRAYS_KEPT_FULL = 0.15;

export interface WhiteBalance {
  /** The illuminant the photo appears to be lit by (linear RGB, G = 1). */
  illuminant: Triple;
  /** 0..1: how much the estimators agree. */
  confidence: number;
  /** Angle (degrees) of the estimated cast and of the correction actually applied. */
  castAngle: number;
  appliedAngle: number;
  /** Linear-light gains applied per channel. */
  gains: Triple;
  estimates: Record<string, Triple>;
  /** Shares of usable pixels that are gray as they are, and gray under the estimated illuminant. */
  grays: { asTheyAre: number; underEstimate: number };
}

const smooth = (x: number, lo: number, hi: number) => (x <= lo ? 1 : x >= hi ? 0 : 1 - (x - lo) / (hi - lo));

export function estimateWhiteBalance(data: Uint8Array, width: number, height: number, channels: number): WhiteBalance {
  const thumb = linearThumb(data, width, height, channels);
  const ge = grayEdge(thumb);
  const estimates: Record<string, Triple> = { grayEdge: ge, brightPixels: brightPixels(thumb) };
  // Bright pixels are the independent witness: white-patch evidence rather than edges. (Shades-of-gray
  // and gray pixels were tried as further witnesses: both follow a dominant surface colour too readily.)
  const spread = angularError(estimates.brightPixels, ge);
  const confidence = smooth(spread, AGREE_FULL, AGREE_NONE);
  const castAngle = angularError(ge, [1, 1, 1]);
  const ramp = Math.min(1, Math.max(0, (castAngle - DEAD_ZONE) / (FULL_FROM - DEAD_ZONE)));
  const taper = castAngle <= FULL_UNTIL ? 1 : castAngle >= NONE_FROM ? 0 : (NONE_FROM - castAngle) / (NONE_FROM - FULL_UNTIL);
  // The photo's own grays: a cast tints every neutral surface toward the illuminant, so a photo with
  // many exactly neutral pixels and few lying along the estimate is lit white, and its estimate was
  // pulled by a coloured object (a red car on gray tarmac, a blue shirt before a white wall).
  const graysAsTheyAre = grayShare(thumb, [1, 1, 1]);
  const graysUnderEstimate = grayShare(thumb, ge);
  const graysAgree = smooth(graysAsTheyAre - graysUnderEstimate, GRAYS_KEPT_FROM, GRAYS_KEPT_FULL);
  const appliedAngle = castAngle * ramp * taper * confidence * graysAgree;
  // Move the illuminant toward neutral geometrically (in log space) by the applied fraction.
  const t = castAngle > 0 ? appliedAngle / castAngle : 0;
  const partial = ge.map((v) => v ** t) as Triple;
  // Keep the luminance of a gray lit by `partial` unchanged, so the correction does not brighten or darken.
  const y = 0.2126 * partial[0] + 0.7152 * partial[1] + 0.0722 * partial[2];
  const gains = partial.map((v) => y / v) as Triple;
  return { illuminant: ge, confidence, castAngle, appliedAngle, gains, estimates, grays: { asTheyAre: graysAsTheyAre, underEstimate: graysUnderEstimate } };
}

/** Per-channel 8-bit look-up tables for the linear-light gains. */
export function gainLuts(gains: Triple): [Uint8Array, Uint8Array, Uint8Array] {
  return gains.map((k) => {
    const lut = new Uint8Array(256);
    for (let v = 0; v < 256; v++) lut[v] = linearToSrgbByte(SRGB_TO_LINEAR[v] * k);
    return lut;
  }) as [Uint8Array, Uint8Array, Uint8Array];
}
