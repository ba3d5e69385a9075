import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { requestParamsSchema } from '../features/validation.js';
import type { FeatureSpec } from '../features/table.js';

/** The success envelope `{status: 200, result}`. */
export const Ok = <T extends TSchema>(result: T) => Type.Object({ status: Type.Literal(200), result });

export const ErrorEnvelope = Type.Object(
  { status: Type.Integer(), error: Type.String(), error_code: Type.Optional(Type.String()) },
  { $id: 'ErrorEnvelope', description: 'Every error: the HTTP status repeated, a human message and a code.' },
);

export const errorResponses = {
  400: { $ref: 'ErrorEnvelope#' },
  401: { $ref: 'ErrorEnvelope#' },
  404: { $ref: 'ErrorEnvelope#' },
  409: { $ref: 'ErrorEnvelope#' },
  413: { $ref: 'ErrorEnvelope#' },
  429: { $ref: 'ErrorEnvelope#' },
  500: { $ref: 'ErrorEnvelope#' },
} as const;

/** Ids that clients echo back may arrive as numbers or numeric strings (see wire.md). */
const NumericId = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]{1,16}$' })]);

/**
 * `request_id` and action `id`: a JSON integer 0 … 2^53−1 and nothing else (no numeric strings,
 * booleans or null coerced into one); checked by the `x-strict-id` keyword (plugins/strict-types.ts)
 * because Ajv would coerce a field declared with `type`.
 */
const StrictId = (description: string) => Type.Unsafe<number>({ 'x-strict-id': true, description: `${description}: a JSON integer from 0 to 2^53−1`, examples: [0] });

/** A list of file ids: an array of strings, never a lone string or numbers coerced into one. */
const fileIdList = (minItems: number, maxItems: number) => Type.Array(Type.Unsafe<string>({ 'x-file-id': true, description: 'a file_id (1 to 128 characters)' }), { minItems, maxItems });

export const AuthBody = Type.Object(
  { client_id: Type.String({ minLength: 1, maxLength: 128 }), id_token: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
);
export type AuthBody = Static<typeof AuthBody>;

export const AuthResult = Ok(Type.Object({ access_token: Type.String(), expires_in: Type.Integer() }));

export const CreditLot = Type.Object({
  id: Type.Integer(),
  type: Type.Union([Type.Literal('SubsToken'), Type.Literal('PaygToken')]),
  amount: Type.Integer(),
  expiry: Type.Integer({ description: 'Unix ms' }),
});
export const CreditResult = Type.Object({ status: Type.Literal(200), results: Type.Array(CreditLot) });

export const HistoryQuery = Type.Object(
  { page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 20 })), starting_token: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$' })) },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

export const HistoryResult = Ok(
  Type.Object({
    next_token: Type.Optional(Type.String()),
    history: Type.Array(
      Type.Object({
        id: Type.Integer(),
        timestamp: Type.Integer(),
        action: Type.String(),
        target_id: Type.String(),
        info: Type.Object({ credits: Type.Array(Type.Object({ id: Type.Integer(), amount: Type.Integer() })) }),
      }),
    ),
  }),
);

export const FileBody = Type.Object(
  {
    files: Type.Array(
      Type.Object(
        {
          content_type: Type.String({ maxLength: 100, description: 'image/jpg, image/jpeg, image/png, video/mp4 (Darkroom also takes image/heic, video/quicktime)' }),
          file_name: Type.String({ minLength: 1, maxLength: 255 }),
          file_size: Type.Optional(Type.Integer({ minimum: 0, description: 'Bytes (sent by v1.1 clients)' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10 },
    ),
  },
  { additionalProperties: false },
);
export type FileBody = Static<typeof FileBody>;

export const FileResult = Ok(
  Type.Object({
    files: Type.Array(
      Type.Object({
        content_type: Type.String(),
        file_name: Type.String(),
        file_id: Type.String(),
        requests: Type.Array(Type.Object({ method: Type.String(), url: Type.String(), headers: Type.Record(Type.String(), Type.String()) })),
      }),
    ),
  }),
);

/** `POST task/{feature}`: file sets and params from the feature contract (step 1 of features/validation.ts: params types only). */
export function taskBodySchema(spec: FeatureSpec) {
  // Required sets are checked by the task service: an unknown set must answer BadRequest first.
  const fileSets = Type.Object(
    Object.fromEntries(spec.fileSets.map((set) => [set.name, Type.Optional(fileIdList(0, set.maxFiles))])),
    { additionalProperties: false },
  );
  return Type.Object(
    {
      request_id: StrictId('Incremental request number (idempotency key with the input files)'),
      payload: Type.Object(
        {
          file_sets: Type.Optional(fileSets),
          actions: Type.Array(Type.Object({ id: StrictId('Action id'), params: Type.Optional(requestParamsSchema(spec.id)) }, { additionalProperties: false }), {
            minItems: 1,
            maxItems: 1,
            description: 'Only 1 action is accepted.',
          }),
          output_ext: Type.Optional(Type.Union([Type.Literal('jpg'), Type.Literal('png')])),
        },
        { additionalProperties: false },
      ),
      callback_url: Type.Optional(
        Type.String({ format: 'uri', maxLength: 2048, description: 'Darkroom extension: receives a signed webhook when the task ends; such a task is not dropped for lack of polling.' }),
      ),
    },
    { additionalProperties: false },
  );
}

export const TaskCreated = Ok(Type.Object({ task_id: Type.String() }));

export const TaskIdQuery = Type.Object({ task_id: Type.String({ maxLength: 256 }) }, { additionalProperties: false });
export type TaskIdQuery = Static<typeof TaskIdQuery>;

export const TaskStatusResult = Ok(
  Type.Object({
    polling_interval: Type.Integer({ description: 'ms until the next poll; a task not polled for 10 s is dropped' }),
    status: Type.Union([Type.Literal('running'), Type.Literal('success'), Type.Literal('error')]),
    error: Type.Union([Type.String(), Type.Null()]),
    error_message: Type.Union([Type.String(), Type.Null()]),
    progress: Type.Optional(Type.Number({ description: 'Darkroom extension: 0..1 while running' })),
    results: Type.Array(
      Type.Object({
        id: Type.Integer(),
        data: Type.Array(Type.Object({ dst_id: Type.String(), url: Type.String() }, { additionalProperties: true })),
      }),
    ),
  }),
);

export const PageQuery = Type.Object(
  { page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 20 })), starting_token: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);
export const StyleQuery = Type.Object(
  {
    style_group_id: NumericId,
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 20 })),
    starting_token: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
