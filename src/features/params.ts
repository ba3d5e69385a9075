import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import type { FileSetName } from './table.js';

/**
 * Each feature's `actions[0].params`, with every value rule: ranges, enums, required fields here in
 * the schemas; rules across fields (and against the number of files sent) in `rules`. The request
 * schema and OpenAPI are derived from these (see check.ts); engines receive `Static<schema>`.
 * A `rule` option words the rule for error messages and the API document.
 */

/** One limit for every prompt. Longer prompts than the backend's text encoder reads are cut by the engine, not refused. */
export const MAX_PROMPT_CHARS = 5000;
/** Output canvas side of the AI Image Extender (the source document's [1, 4096]). */
export const OUT_PAINT_MAX_SIDE = 4096;

/** A broken rule, naming the field as the client wrote it (`face_mapping[0].index`). */
export interface ParamProblem {
  field: string;
  message: string;
}

/** What creation knows besides the params: how many files each file set holds. */
export interface ParamContext {
  files: Partial<Record<FileSetName, number>>;
}

/** Declared as a method so a contract for one feature's params fits the table's general type. */
type Rule<P> = { check(p: P, ctx: ParamContext): ParamProblem | undefined }['check'];

export interface ParamContract<S extends TObject = TObject> {
  schema: S;
  rules?: readonly Rule<Static<S>>[];
}

export const problem = (field: string, why: string): ParamProblem => ({ field, message: `${field} ${why}` });

const contract = <S extends TObject>(schema: S, rules?: ParamContract<S>['rules']): ParamContract<S> => ({ schema, rules });
const loose = <P extends Record<string, TSchema>>(props: P) => Type.Object(props, { additionalProperties: true });
const IdValue = Type.Union([Type.Integer(), Type.String()]);

const Style = {
  style_group_id: Type.Union([Type.Integer(), Type.String()], { description: 'Style group id from GET task/style-group/{feature}' }),
  style_ids: Type.Array(IdValue, { minItems: 1, maxItems: 1, description: 'One style id from GET task/style/{feature}' }),
};
const Prompt = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_PROMPT_CHARS, pattern: '\\S', rule: `a non-empty string of at most ${MAX_PROMPT_CHARS} characters`, description });

const side = (min: number, description: string) => Type.Integer({ minimum: min, maximum: OUT_PAINT_MAX_SIDE, description });
const OutPaint = loose({
  output_width: side(1, 'Output canvas width'),
  output_height: side(1, 'Output canvas height'),
  input_x: side(0, 'Left of the placed input in the output'),
  input_y: side(0, 'Top of the placed input in the output'),
  input_width: side(1, 'Width of the placed input; input_x + input_width <= output_width'),
  input_height: side(1, 'Height of the placed input; input_y + input_height <= output_height'),
  crop_input_x: side(0, 'Crop of the source: left'),
  crop_input_y: side(0, 'Crop of the source: top'),
  crop_input_width: side(1, 'Crop of the source: width; crop_input_x + crop_input_width <= the source width'),
  crop_input_height: side(1, 'Crop of the source: height; crop_input_y + crop_input_height <= the source height'),
});
export type OutPaintParams = Static<typeof OutPaint>;

/** The placed input lies inside the canvas, and the canvas is larger than it. */
const outPaintRules: ParamContract<typeof OutPaint>['rules'] = [
  (g) => (g.input_x + g.input_width > g.output_width ? problem('input_width', `plus input_x must be <= output_width (${g.input_x} + ${g.input_width} > ${g.output_width})`) : undefined),
  (g) => (g.input_y + g.input_height > g.output_height ? problem('input_height', `plus input_y must be <= output_height (${g.input_y} + ${g.input_height} > ${g.output_height})`) : undefined),
  (g) =>
    g.input_width === g.output_width && g.input_height === g.output_height
      ? problem('output_width', `and output_height must make the output larger than the input (${g.output_width}x${g.output_height} equals the input)`)
      : undefined,
];

/** The crop lies inside the source photo: checkable only once its size is known (the engine decodes it). */
export function outPaintCropProblem(g: OutPaintParams, srcWidth: number, srcHeight: number): ParamProblem | undefined {
  if (g.crop_input_x + g.crop_input_width > srcWidth) return problem('crop_input_width', `plus crop_input_x must be <= the source width (${g.crop_input_x} + ${g.crop_input_width} > ${srcWidth})`);
  if (g.crop_input_y + g.crop_input_height > srcHeight) return problem('crop_input_height', `plus crop_input_y must be <= the source height (${g.crop_input_y} + ${g.crop_input_height} > ${srcHeight})`);
  return undefined;
}

const FaceMapping = Type.Array(
  Type.Object({
    index: Type.Integer({ minimum: -1, description: 'Reference image index in ref_ids; -1 skips' }),
    position: Type.Integer({ minimum: -1, description: 'Face index on the target (from face-swap/pre-process); -1 skips' }),
  }),
  { maxItems: 32, description: 'Which reference goes onto which target face; without it reference i goes onto face i' },
);
export type FaceMappingEntry = Static<typeof FaceMapping>[number];

const FaceSwap = loose({ face_mapping: Type.Optional(FaceMapping) });
/** Entries with -1 are skipped; each target face at most once; references must exist. Faces on the target are counted by the engine. */
const faceSwapRules: ParamContract<typeof FaceSwap>['rules'] = [
  ({ face_mapping }, ctx) => {
    if (!face_mapping) return undefined;
    const refs = ctx.files.ref_ids ?? 0;
    const used = new Set<number>();
    for (const [k, e] of face_mapping.entries()) {
      if (e.index === -1 || e.position === -1) continue;
      if (e.index >= refs) return problem(`face_mapping[${k}].index`, `${e.index} is out of range: ${refs} reference image(s) given`);
      if (used.has(e.position)) return problem('face_mapping', `maps face ${e.position} more than once`);
      used.add(e.position);
    }
    return used.size === 0 ? problem('face_mapping', 'swaps no face (every entry is -1)') : undefined;
  },
];

/** `dst_duration` ("the length of video in seconds"): the length of the result; absent means the whole clip. */
export const videoParams = (maxSec: number) =>
  contract(loose({ dst_duration: Type.Optional(Type.Number({ minimum: 1, maximum: maxSec, multipleOf: 1, description: 'Seconds of the input to enhance' })) }));

const none = contract(loose({}));
const styled = contract(loose(Style));

export const PARAMS = {
  enhance: contract(loose({ scale: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(4)], { description: 'Scaling ratio' }) })),
  none,
  'bg-replace': contract(
    loose({
      background_color: Type.Optional(
        Type.String({ pattern: '^#[0-9a-fA-F]{6}$', rule: 'a color like "#RRGGBB"', description: 'Darkroom extension: "#rrggbb"; adds the composited photo as a second result' }),
      ),
    }),
  ),
  'bg-blur': contract(
    loose({ blur_strength: Type.Optional(Type.Number({ minimum: 1, maximum: 100, multipleOf: 1, description: 'Darkroom extension: adds the blurred photo as a second result' })) }),
  ),
  'text-to-image': contract(loose({ prompt: Prompt('What to draw, inside the chosen style'), ...Style })),
  styled,
  'out-paint': contract(OutPaint, outPaintRules),
  'obj-replace': contract(loose({ prompt: Prompt('What to paint inside the mask') })),
  'face-swap': contract(FaceSwap, faceSwapRules),
} as const;
