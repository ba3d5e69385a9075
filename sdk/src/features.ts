/**
 * Features, their path segments, which inputs each takes and the parameters each accepts.
 * The SDK does not import server code: `test/sdk/contract.test.ts` checks every fact here against the
 * server's feature contract (src/features), and `test/sdk/openapi.test.ts` against a server's OpenAPI.
 */
import type { IdInput } from './json.js';

export type FeatureId =
  | 'enhance'
  | 'obj-removal'
  | 'sod'
  | 'bg-replace'
  | 'bg-blur'
  | 'colorize'
  | 'text-to-image'
  | 'hair-style'
  | 'hair-ext'
  | 'hair-bang'
  | 'hair-vol'
  | 'out-paint'
  | 'lighting'
  | 'color-correct'
  | 'obj-replace'
  | 'mu-trans-rec'
  | 'face-swap/pre-process'
  | 'face-swap'
  | 'video-sr';

/** Features without parameters accept an empty object (or none at all). */
export type NoParams = Record<string, never>;

export interface StyleParams {
  style_group_id: IdInput;
  /** The service accepts exactly one style. */
  style_ids: [IdInput];
}

/** The scaling ratios AI Photo Enhance takes. */
export const ENHANCE_SCALES = [1, 2, 4] as const;

/** Largest output canvas side of the image extender. */
export const OUT_PAINT_MAX_SIDE = 4096;

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

export type FileSetName = 'src_ids' | 'mask_ids' | 'msk_ids' | 'ref_ids';

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

const SRC = { src: 'src_ids' } as const;
const STYLE_REQUIRED = ['style_group_id', 'style_ids'] as const;

export const FEATURES: Readonly<Record<FeatureId, FeatureInfo>> = {
  'enhance': { segment: 'enhance', aliases: [], inputs: SRC, requiredParams: ['scale'], hasStyles: false },
  'obj-removal': { segment: 'obj-removal', aliases: [], inputs: { src: 'src_ids', mask: 'mask_ids' }, requiredParams: [], hasStyles: false },
  'sod': { segment: 'sod', aliases: [], inputs: SRC, requiredParams: [], hasStyles: false },
  'bg-replace': { segment: 'bg-replace', aliases: ['bg-change'], inputs: SRC, requiredParams: [], optionalParams: ['background_color'], hasStyles: false },
  'bg-blur': { segment: 'bg-blur', aliases: [], inputs: SRC, requiredParams: [], optionalParams: ['blur_strength'], hasStyles: false },
  'colorize': { segment: 'colorize', aliases: [], inputs: SRC, requiredParams: [], hasStyles: false },
  'text-to-image': { segment: 'text-to-image', aliases: [], inputs: {}, requiredParams: ['prompt', ...STYLE_REQUIRED], hasStyles: true },
  'hair-style': { segment: 'hair-style', aliases: [], inputs: SRC, requiredParams: STYLE_REQUIRED, hasStyles: true },
  'hair-ext': { segment: 'hair-ext', aliases: [], inputs: SRC, requiredParams: STYLE_REQUIRED, hasStyles: true },
  'hair-bang': { segment: 'hair-bang', aliases: [], inputs: SRC, requiredParams: STYLE_REQUIRED, hasStyles: true },
  'hair-vol': { segment: 'hair-vol', aliases: [], inputs: SRC, requiredParams: STYLE_REQUIRED, hasStyles: true },
  'out-paint': {
    segment: 'out-paint', aliases: [], inputs: SRC, hasStyles: false,
    requiredParams: ['output_width', 'output_height', 'input_x', 'input_y', 'input_width', 'input_height',
      'crop_input_x', 'crop_input_y', 'crop_input_width', 'crop_input_height'],
  },
  'lighting': { segment: 'lighting', aliases: [], inputs: SRC, requiredParams: [], hasStyles: false },
  'color-correct': { segment: 'color-correct', aliases: ['colorize/color-correct'], inputs: SRC, requiredParams: [], hasStyles: false },
  'obj-replace': { segment: 'obj-replace', aliases: [], inputs: { src: 'src_ids', mask: 'msk_ids' }, requiredParams: ['prompt'], hasStyles: false },
  'mu-trans-rec': { segment: 'mu-trans-rec', aliases: ['mu-transfer'], inputs: { src: 'src_ids', ref: 'ref_ids' }, requiredParams: [], hasStyles: false },
  'face-swap/pre-process': { segment: 'face-swap/pre-process', aliases: [], inputs: SRC, requiredParams: [], hasStyles: false },
  'face-swap': { segment: 'face-swap', aliases: [], inputs: { src: 'src_ids', ref: 'ref_ids' }, requiredParams: [], optionalParams: ['face_mapping'], hasStyles: false },
  'video-sr': { segment: 'video-sr', aliases: ['video-enhance'], inputs: SRC, requiredParams: [], optionalParams: ['dst_duration'], hasStyles: false },
};

export const FEATURE_IDS = Object.keys(FEATURES) as FeatureId[];

/** Resolves a feature id or any accepted alias to the canonical id. */
export function resolveFeature(name: string): FeatureId | undefined {
  if (name in FEATURES) return name as FeatureId;
  return FEATURE_IDS.find((id) => FEATURES[id].aliases.includes(name));
}
