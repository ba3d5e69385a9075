/**
 * Features, their path segments, which inputs each takes and the parameters each accepts. The SDK
 * does not import server code: the feature table and the parameter types (features.generated.ts)
 * are written from the server's feature contract by scripts/gen-features.ts (`npm run gen`); the
 * parameter types are also checked against the contract at compile time by
 * `test/sdk/contract.test.ts`, and against a server's OpenAPI by `test/sdk/openapi.test.ts`.
 */
import { ENHANCE_SCALES, FEATURES, OUT_PAINT_MAX_SIDE, type FeatureId, type FeatureParams, type FileSetName } from './features.generated.js';

export { ENHANCE_SCALES, FEATURES, OUT_PAINT_MAX_SIDE, type FeatureId, type FeatureParams, type FileSetName };

/** Features without parameters accept an empty object (or none at all). */
export type NoParams = Record<string, never>;

/** A styled feature's style choice (the service accepts exactly one style). */
export type StyleParams = Pick<FeatureParams['hair-style'], 'style_group_id' | 'style_ids'>;

/** The image extender's canvas: output size, where the (cropped) input goes, and the crop. */
export type OutPaintParams = FeatureParams['out-paint'];

/** One face swap: `index` of the reference in `ref`, `position` of the face on the target (-1 skips). */
export type FaceMapping = NonNullable<FeatureParams['face-swap']['face_mapping']>[number];

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
