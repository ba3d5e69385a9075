import { Type, type TSchema } from '@sinclair/typebox';
import type { FeatureId } from './table.js';

/**
 * Each feature's `actions[0].params`, for request validation (types only) and the OpenAPI document.
 * Values are checked by the engine, which answers `invalid_parameter` naming the field.
 */
const StyleParams = {
  style_group_id: Type.Optional(Type.Union([Type.Integer(), Type.String()], { description: 'Style group id from GET task/style-group/{feature}' })),
  style_ids: Type.Optional(Type.Array(Type.Union([Type.Integer(), Type.String()]), { maxItems: 1, description: 'One style id from GET task/style/{feature}' })),
};
const Int = (description: string) => Type.Integer({ description });
const loose = (props: Record<string, TSchema>) => Type.Object(props, { additionalProperties: true });

export const FEATURE_PARAMS: Record<FeatureId, TSchema> = {
  enhance: loose({ scale: Type.Optional(Type.Integer({ description: 'Scaling ratio: 1, 2 or 4' })) }),
  'obj-removal': loose({}),
  sod: loose({}),
  'bg-replace': loose({ background_color: Type.Optional(Type.String({ description: 'Darkroom extension: "#rrggbb"; adds the composited photo as a second result' })) }),
  'bg-blur': loose({ blur_strength: Type.Optional(Type.Number({ description: 'Darkroom extension: 1-100; adds the blurred photo as a second result' })) }),
  colorize: loose({}),
  'text-to-image': loose({ prompt: Type.Optional(Type.String({ maxLength: 2000, description: 'Required, at most 500 characters' })), ...StyleParams }),
  'hair-style': loose(StyleParams),
  'hair-ext': loose(StyleParams),
  'hair-bang': loose(StyleParams),
  'hair-vol': loose(StyleParams),
  'out-paint': loose({
    output_width: Type.Optional(Int('Output canvas width')),
    output_height: Type.Optional(Int('Output canvas height')),
    input_x: Type.Optional(Int('Left of the placed input in the output')),
    input_y: Type.Optional(Int('Top of the placed input in the output')),
    input_width: Type.Optional(Int('Width of the placed input; input_x + input_width <= output_width')),
    input_height: Type.Optional(Int('Height of the placed input; input_y + input_height <= output_height')),
    crop_input_x: Type.Optional(Int('Crop of the source: left')),
    crop_input_y: Type.Optional(Int('Crop of the source: top')),
    crop_input_width: Type.Optional(Int('Crop of the source: width')),
    crop_input_height: Type.Optional(Int('Crop of the source: height')),
  }),
  lighting: loose({}),
  'color-correct': loose({}),
  'obj-replace': loose({ prompt: Type.Optional(Type.String({ maxLength: 2000, description: 'What to paint inside the mask' })) }),
  'mu-trans-rec': loose({}),
  'face-swap/pre-process': loose({}),
  'face-swap': loose({
    face_mapping: Type.Optional(
      Type.Array(Type.Object({ index: Type.Integer({ description: 'Reference image index' }), position: Type.Integer({ description: 'Face index on the target; -1 skips' }) }), { maxItems: 32 }),
    ),
  }),
  'video-sr': loose({ dst_duration: Type.Optional(Type.Number({ description: 'Seconds of the input to enhance' })) }),
};
