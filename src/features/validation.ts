/**
 * The one validation pipeline of a task request, in the order it runs. A broken step either answers
 * the HTTP request (400 with a DomainError code: nothing is stored) or, for a value rule of the
 * contract, creates the task already ended with the task error `invalid_parameter` naming the field
 * (uncharged), which is what clients of the source document expect for a bad value.
 *
 * | # | step | where it runs | broken answers |
 * |---|---|---|---|
 * | 1 | types: body shape, file-set names and counts, param types | `requestSchema` → api/schemas.ts, checked by Fastify | HTTP 400 `InvalidParameters` |
 * | 2 | request id: an integer 0..2^53-1 | `checkTaskRequest` | HTTP 400 `InvalidParameters` |
 * | 3 | file sets: every required set given | `checkTaskRequest` | HTTP 400 `InvalidParameters` |
 * | 4 | bounds: params nesting and key count | `checkTaskRequest` (params-bounds.ts) | HTTP 400 `InvalidParameters` |
 * |   | (a repeated request id with the same files finds its task here: steps 5–6 do not run again) | TasksService.create | |
 * | 5 | files: the caller's, live, uploaded, within size | FilesService.ownedFiles / assertUploaded | HTTP 400 `InvalidFileId`, `FileExpired`, `FileNotUploaded`, `ExceedMaxFilesize` |
 * | 6 | value rules: ranges, enums, required params, rules across fields and against the file counts | `checkValueRules` (check.ts) | task error `invalid_parameter` |
 * | 7 | rules on the decoded input (out-paint crop inside the photo, face positions) | the engine (`outPaintCropProblem`, face rules) | task error `invalid_parameter` |
 *
 * Steps 5 and 7 need storage or pixels, so they run where those are; this module names them so the
 * whole order is read in one place.
 */
import { DomainError } from '../errors.js';
import { paramsProblem, wireParamsSchema } from './check.js';
import { assertBoundedParams } from './params-bounds.js';
import type { ParamProblem } from './params.js';
import type { FeatureId, FeatureParams, FeatureSpec, FileSetName } from './table.js';

/** A task request as step 1 (the request schema) lets it through. */
export interface TaskRequestBody {
  request_id: number;
  payload: {
    file_sets?: Partial<Record<FileSetName, string[]>>;
    /** Exactly one (the request schema says so). */
    actions: { id: number; params?: Record<string, unknown> }[];
    output_ext?: 'jpg' | 'png';
  };
  callback_url?: string;
}

/** What steps 2–4 hand on: the request in the terms the task service stores. */
export interface CheckedTaskRequest {
  requestId: string;
  actionId: number;
  /** Only the sets given, in the feature's order. */
  fileSets: Partial<Record<FileSetName, string[]>>;
  /** Every input file id, in the feature's set order. */
  fileIds: string[];
  /** As sent: value rules (step 6) run once the files are known. */
  params: Record<string, unknown>;
  outputExt?: 'jpg' | 'png';
}

/** Step 1: the params part of the request schema (types only; value rules are step 6). */
export const requestParamsSchema = wireParamsSchema;

/** Steps 2–4: each broken one answers HTTP 400 `InvalidParameters`. */
export function checkTaskRequest(spec: FeatureSpec, body: TaskRequestBody): CheckedTaskRequest {
  // The schema admits JSON integers only; one spelling per value keeps idempotency keys distinct.
  if (!Number.isSafeInteger(body.request_id) || body.request_id < 0) throw new DomainError('InvalidParameters', 'request_id must be an integer from 0 to 2^53-1');
  const [action] = body.payload.actions;
  const given = body.payload.file_sets ?? {};
  const fileSets: Partial<Record<FileSetName, string[]>> = {};
  const fileIds: string[] = [];
  for (const set of spec.fileSets) {
    const list = given[set.name] ?? [];
    if (set.required && list.length === 0) throw new DomainError('InvalidParameters', `payload.file_sets.${set.name} is required for ${spec.title}`);
    if (list.length) fileSets[set.name] = list;
    fileIds.push(...list);
  }
  const params = action.params ?? {};
  assertBoundedParams(params);
  return { requestId: String(body.request_id), actionId: action.id, fileSets, fileIds, params, outputExt: body.payload.output_ext };
}

/** Step 6: the params the engine will get, or the broken rule that ends the task with `invalid_parameter`. */
export function checkValueRules<F extends FeatureId>(id: F, params: Record<string, unknown>, fileSets: Partial<Record<FileSetName, string[]>>): { params: FeatureParams[F] } | { problem: ParamProblem } {
  const files = Object.fromEntries(Object.entries(fileSets).map(([name, list]) => [name, list.length]));
  return paramsProblem(id, params, { files });
}
