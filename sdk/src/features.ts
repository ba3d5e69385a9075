/**
 * Features, their path segments, which inputs each takes and the parameters each accepts. The SDK
 * does not import server code: the feature table (features.generated.ts) is written from the
 * server's feature contract by scripts/gen-sdk-features.ts; the parameter types below are checked
 * against the contract at compile time by `test/sdk/contract.test.ts`, and against a server's
 * OpenAPI by `test/sdk/openapi.test.ts`.
 */
import { ENHANCE_SCALES, FEATURES, OUT_PAINT_MAX_SIDE, type FeatureId, type FileSetName } from './features.generated.js';
import type { IdInput } from './json.js';

export { ENHANCE_SCALES, FEATURES, OUT_PAINT_MAX_SIDE, type FeatureId, type FileSetName };

/** Features without parameters accept an empty object (or none at all). */
export type NoParams = Record<string, never>;

export interface StyleParams {
  style_group_id: IdInput;
  /** The service accepts exactly one style. */
  style_ids: [IdInput];
}

export interface OutPaintParams {
  output_width: number;
  output_height: number;
  /** Top-left of the (cropped) input inside the output. */
  input_x: number;
  input_y: number;
  input_width: number;
  input_height: number;
  crop_input_x: number;
  crop_input_y: number;
  crop_input_width: number;
  crop_input_height: number;
}

export interface FaceMapping {
  /** Index of the reference image in `ref`. */
  index: number;
  /** Index of the face on the target from the face-swap/pre-process result; -1 skips. */
  position: number;
}

/** Task parameters (`actions[0].params`) by feature. */
export interface FeatureParams {
  'enhance': { scale: (typeof ENHANCE_SCALES)[number] };
  'obj-removal': NoParams;
  'sod': NoParams;
  /** Darkroom extension: also return the photo composited on this colour ("#rrggbb"). */
  'bg-replace': { background_color?: string };
  /** Darkroom extension: also return the blurred photo, strength 1-100. */
  'bg-blur': { blur_strength?: number };
  'colorize': NoParams;
  'text-to-image': StyleParams & { prompt: string };
  'hair-style': StyleParams;
  'hair-ext': StyleParams;
  'hair-bang': StyleParams;
  'hair-vol': StyleParams;
  'out-paint': OutPaintParams;
  'lighting': NoParams;
  'color-correct': NoParams;
  'obj-replace': { prompt: string };
  'mu-trans-rec': NoParams;
  'face-swap/pre-process': NoParams;
  /** Without a mapping, reference i goes onto face i. */
  'face-swap': { face_mapping?: FaceMapping[] };
  /** Seconds of the input to enhance; without it, the whole clip. */
  'video-sr': { dst_duration?: number };
}

export interface FeatureInfo {
  /** Canonical path segment (what the SDK sends). */
  segment: string;
  /** Other segments servers accept for the same feature. */
  aliases: readonly string[];
  /** Which file set each `run` input fills; absent means the feature does not take it. */
  inputs: { src?: FileSetName; mask?: FileSetName; ref?: FileSetName };
  /** Parameter names the feature needs. */
  requiredParams: readonly string[];
  /** Parameter names it also accepts (Darkroom extensions). */
  optionalParams?: readonly string[];
  hasStyles: boolean;
}

export const FEATURE_IDS = Object.keys(FEATURES) as FeatureId[];

/** Resolves a feature id or any accepted alias to the canonical id. */
export function resolveFeature(name: string): FeatureId | undefined {
  if (name in FEATURES) return name as FeatureId;
  return FEATURE_IDS.find((id) => FEATURES[id].aliases.includes(name));
}
