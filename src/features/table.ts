/**
 * The one feature table: every wire path segment (and alias), its file sets, input limits from the
 * source document's "Supported Formats & Dimensions" table, price and credit-history action.
 * Routes, validation, OpenAPI, the console and the SDK read it; nothing else repeats it.
 */
import type { Static } from '@sinclair/typebox';
import { PARAMS, videoParams, type ParamContract } from './params.js';

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

export type FileSetName = 'src_ids' | 'mask_ids' | 'msk_ids' | 'ref_ids';
export type InputFormat = 'jpg' | 'png' | 'heic' | 'mp4' | 'mov' | 'm4v';

export interface FileSetSpec {
  name: FileSetName;
  required: boolean;
  /** Most file sets take one file; face swap takes several references. */
  maxFiles: number;
  /** Masks are grayscale images, not photos: their own decode error code applies. */
  role: 'image' | 'mask' | 'video';
  /** What a person is asked to give for this set (the console's upload label); absent: named by its role. */
  label?: string;
}

export interface FaceRules {
  minFaceWidth: number;
  pitch: [number, number];
  yaw: [number, number];
  roll: [number, number];
  singlePerson: boolean;
}

export interface InputLimits {
  formats: readonly InputFormat[];
  /** Strictly less than (the source document says "< 10MB"). */
  maxBytes: number;
  maxLongSide: number;
  minShortSide?: number;
  maxShortSide?: number;
  face?: FaceRules;
  video?: { maxDurationSec: number; videoCodecs: readonly string[]; audioCodecs: readonly string[] };
}

export interface FeatureSpec {
  id: FeatureId;
  title: string;
  /** Path segments accepted on the wire; the first is the canonical one. */
  segments: readonly string[];
  fileSets: readonly FileSetSpec[];
  limits: InputLimits;
  /** Credits charged when a task succeeds. Operators override through config `prices`. */
  price: number;
  /** Credit history `action` written when a task of this feature is charged. */
  action: string;
  group: 'edit' | 'generative' | 'face' | 'video';
  /** Has a style catalog served under task/style-group and task/style. */
  styles: boolean;
  /** `actions[0].params`: schema with every value rule, and the rules across fields. */
  params: ParamContract;
}

const MB = 1024 * 1024;
const PHOTO = ['jpg', 'png', 'heic'] as const;
const JPG_PNG = ['jpg', 'png'] as const;
const HAIR_FACE: FaceRules = { minFaceWidth: 128, pitch: [-10, 10], yaw: [-45, 45], roll: [-15, 15], singlePerson: true };

const VIDEO_MAX_SEC = 60;

const src = (role: FileSetSpec['role'] = 'image'): FileSetSpec => ({ name: 'src_ids', required: true, maxFiles: 1, role });

export const FEATURES = [
  { id: 'enhance', title: 'AI Photo Enhance', segments: ['enhance'], fileSets: [src()],
    limits: { formats: PHOTO, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 1, action: 'api_photo_enhance', group: 'edit', styles: false, params: PARAMS.enhance },
  { id: 'obj-removal', title: 'AI Object Removal', segments: ['obj-removal'],
    fileSets: [src(), { name: 'mask_ids', required: true, maxFiles: 1, role: 'mask' }],
    limits: { formats: PHOTO, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 1, action: 'api_object_removal', group: 'edit', styles: false, params: PARAMS.none },
  { id: 'sod', title: 'AI Photo Background Removal', segments: ['sod'], fileSets: [src()],
    limits: { formats: PHOTO, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 1, action: 'api_background_removal', group: 'edit', styles: false, params: PARAMS.none },
  { id: 'bg-replace', title: 'AI Photo Background Change', segments: ['bg-replace', 'bg-change'], fileSets: [src()],
    limits: { formats: PHOTO, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 1, action: 'change_background', group: 'edit', styles: false, params: PARAMS['bg-replace'] },
  { id: 'bg-blur', title: 'AI Photo Background Blur', segments: ['bg-blur'], fileSets: [src()],
    limits: { formats: PHOTO, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 1, action: 'blur_background', group: 'edit', styles: false, params: PARAMS['bg-blur'] },
  { id: 'colorize', title: 'AI Photo Colorize', segments: ['colorize'], fileSets: [src()],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 1, action: 'api_colorize', group: 'edit', styles: false, params: PARAMS.none },
  { id: 'text-to-image', title: 'AI Image Generator', segments: ['text-to-image'], fileSets: [],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 1024 }, price: 2, action: 'api_text_to_image', group: 'generative', styles: true, params: PARAMS['text-to-image'] },
  { id: 'hair-style', title: 'AI Hairstyle Generator', segments: ['hair-style'], fileSets: [src()],
    limits: { formats: ['jpg'], maxBytes: 10 * MB, maxLongSide: 1024, face: HAIR_FACE }, price: 2, action: 'api_hair_style', group: 'generative', styles: true, params: PARAMS.styled },
  { id: 'hair-ext', title: 'AI Hair Extension', segments: ['hair-ext'], fileSets: [src()],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 1024, face: HAIR_FACE }, price: 2, action: 'wig', group: 'generative', styles: true, params: PARAMS.styled },
  { id: 'hair-bang', title: 'AI Hair Bang Generator', segments: ['hair-bang'], fileSets: [src()],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 1024, face: HAIR_FACE }, price: 2, action: 'api_hair_bang', group: 'generative', styles: true, params: PARAMS.styled },
  { id: 'hair-vol', title: 'AI Hair Volume Generator', segments: ['hair-vol'], fileSets: [src()],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 1024, face: HAIR_FACE }, price: 2, action: 'api_hair_volume', group: 'generative', styles: true, params: PARAMS.styled },
  { id: 'out-paint', title: 'AI Image Extender', segments: ['out-paint'], fileSets: [src()],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 2, action: 'api_image_extender', group: 'generative', styles: false, params: PARAMS['out-paint'] },
  { id: 'lighting', title: 'AI Photo Lighting', segments: ['lighting'], fileSets: [src()],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 4096, minShortSide: 256 }, price: 1, action: 'api_photo_lighting', group: 'edit', styles: false, params: PARAMS.none },
  { id: 'color-correct', title: 'AI Photo Color Correction', segments: ['color-correct', 'colorize/color-correct'], fileSets: [src()],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 1, action: 'api_color_correction', group: 'edit', styles: false, params: PARAMS.none },
  { id: 'obj-replace', title: 'AI Replace', segments: ['obj-replace'],
    fileSets: [src(), { name: 'msk_ids', required: true, maxFiles: 1, role: 'mask' }],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 2048, maxShortSide: 1024 }, price: 2, action: 'api_ai_replace', group: 'generative', styles: false, params: PARAMS['obj-replace'] },
  { id: 'mu-trans-rec', title: 'AI Makeup Transfer', segments: ['mu-trans-rec', 'mu-transfer'],
    fileSets: [src(), { name: 'ref_ids', required: true, maxFiles: 1, role: 'image', label: 'Reference photo (the makeup to copy)' }],
    limits: { formats: PHOTO, maxBytes: 10 * MB, maxLongSide: 1024 }, price: 1, action: 'api_makeup_transfer', group: 'face', styles: false, params: PARAMS.none },
  { id: 'face-swap/pre-process', title: 'AI Face Swap: face detection', segments: ['face-swap/pre-process'], fileSets: [src()],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 0, action: 'api_face_detection', group: 'face', styles: false, params: PARAMS.none },
  { id: 'face-swap', title: 'AI Face Swap', segments: ['face-swap'],
    fileSets: [src(), { name: 'ref_ids', required: true, maxFiles: 8, role: 'image', label: 'Reference face photo(s)' }],
    limits: { formats: JPG_PNG, maxBytes: 10 * MB, maxLongSide: 4096 }, price: 2, action: 'api_face_swap', group: 'face', styles: false, params: PARAMS['face-swap'] },
  { id: 'video-sr', title: 'AI Video Enhance', segments: ['video-sr', 'video-enhance'], fileSets: [src('video')],
    limits: { formats: ['mp4', 'mov', 'm4v'], maxBytes: 100 * MB, maxLongSide: 1920,
      video: { maxDurationSec: VIDEO_MAX_SEC, videoCodecs: ['h264', 'mpeg4'], audioCodecs: ['aac', 'mp3'] } },
    price: 5, action: 'api_video_enhance', group: 'video', styles: false, params: videoParams(VIDEO_MAX_SEC) },
] as const satisfies readonly FeatureSpec[];

/** The typed `actions[0].params` an engine of each feature receives, validated at task creation. */
export type FeatureParams = { [F in (typeof FEATURES)[number] as F['id']]: Static<F['params']['schema']> };

export function feature(id: FeatureId): FeatureSpec {
  const f = FEATURES.find((x) => x.id === id);
  if (!f) throw new Error(`unknown feature ${id}`);
  return f;
}

/** Upload content types: the source document's enum, plus HEIC and QuickTime for the formats its table lists. */
export const CONTENT_TYPES: Record<string, InputFormat> = {
  'image/jpg': 'jpg',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/heic': 'heic',
  'image/heif': 'heic',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/x-m4v': 'm4v',
};
