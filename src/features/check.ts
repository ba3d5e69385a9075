import type { TObject, TSchema } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { ParamContext, ParamProblem } from './params.js';
import { feature, type FeatureId, type FeatureParams } from './table.js';

/** A value rule of the feature contract was broken; the task fails with `invalid_parameter`. */
export class ParamError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

type Json = Record<string, any>;

const isNumeric = (s: Json): boolean =>
  s.type === 'integer' || s.type === 'number' || (Array.isArray(s.anyOf) && s.anyOf.every((x: Json) => typeof x.const === 'number'));

/**
 * Top-level params as form-built clients send them: `null` or an empty string means "not given",
 * and a numeric string stands for its number. Nested values (face_mapping entries) are taken as sent.
 */
function normalize(schema: TObject, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || (typeof v === 'string' && v.trim() === '')) continue;
    const s = schema.properties[k] as Json | undefined;
    out[k] = s && isNumeric(s) && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : v;
  }
  return out;
}

const range = (s: Json): string =>
  s.minimum !== undefined && s.maximum !== undefined ? ` from ${s.minimum} to ${s.maximum}` : s.minimum !== undefined ? ` of at least ${s.minimum}` : s.maximum !== undefined ? ` of at most ${s.maximum}` : '';

/** The rule a schema states, in words: for error messages and the API document. */
export function ruleText(s: Json): string {
  if (typeof s.rule === 'string') return s.rule;
  if (Array.isArray(s.anyOf)) {
    const consts = s.anyOf.map((x: Json) => x.const);
    if (consts.every((c: unknown) => c !== undefined)) return `one of ${consts.slice(0, -1).join(', ')} or ${consts.at(-1)}`;
    return s.anyOf.map(ruleText).join(' or ');
  }
  if (s.type === 'integer' || (s.type === 'number' && s.multipleOf === 1)) return `an integer${range(s)}`;
  if (s.type === 'number') return `a number${range(s)}`;
  if (s.type === 'string') return s.maxLength !== undefined ? `a string of at most ${s.maxLength} characters` : 'a string';
  if (s.type === 'array') return s.minItems && s.minItems === s.maxItems ? `a list of exactly ${s.minItems} item(s)` : `a list of at most ${s.maxItems ?? 'any number of'} item(s)`;
  if (s.type === 'object') return `an object {${Object.keys(s.properties ?? {}).join(', ')}}`;
  return 'valid';
}

/** `/face_mapping/0/index` → `face_mapping[0].index`. */
const fieldOf = (path: string): string => path.split('/').filter(Boolean).reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

const shown = (v: unknown): string => {
  const j = JSON.stringify(v) ?? String(v);
  return j.length > 40 ? `${j.slice(0, 37)}...` : j;
};

function firstSchemaProblem(schema: TObject, value: Record<string, unknown>): ParamProblem | undefined {
  const e = Value.Errors(schema, value).First();
  if (!e) return undefined;
  const field = fieldOf(e.path);
  if (e.type === ValueErrorType.ObjectRequiredProperty) return { field, message: `${field} is required` };
  const s = e.schema as Json;
  if (e.type === ValueErrorType.StringMaxLength && typeof e.value === 'string') {
    return { field, message: `${field} is ${e.value.length} characters; at most ${s.maxLength} are accepted` };
  }
  return { field, message: `${field} must be ${ruleText(s)} (got ${shown(e.value)})` };
}

/** The feature's params if they keep every rule of its contract; else the first broken rule, naming its field. */
export function paramsProblem<F extends FeatureId>(id: F, raw: Record<string, unknown>, ctx: ParamContext): { params: FeatureParams[F] } | { problem: ParamProblem } {
  const { schema, rules = [] } = feature(id).params;
  const value = normalize(schema, raw);
  const problem = firstSchemaProblem(schema, value) ?? rules.reduce<ParamProblem | undefined>((found, rule) => found ?? rule(value, ctx), undefined);
  return problem ? { problem } : { params: value as FeatureParams[F] };
}

/** As paramsProblem, throwing ParamError. */
export function checkParams<F extends FeatureId>(id: F, raw: Record<string, unknown>, ctx: ParamContext): FeatureParams[F] {
  const r = paramsProblem(id, raw, ctx);
  if ('problem' in r) throw new ParamError(r.problem.field, r.problem.message);
  return r.params;
}

const VALUE_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'minItems', 'rule'];

/** A schema without its value rules: a list of constants becomes their type. */
function typesOnly(s: Json): Json {
  if (Array.isArray(s.anyOf) && s.anyOf.every((x: Json) => x.const !== undefined)) {
    const { anyOf, ...rest } = s;
    return { ...rest, type: typeof anyOf[0].const === 'number' ? (anyOf.every((x: Json) => Number.isInteger(x.const)) ? 'integer' : 'number') : typeof anyOf[0].const };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (VALUE_KEYWORDS.includes(k)) continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Json).map(([p, ps]) => [p, typesOnly(ps as Json)]));
    else if (k === 'items' || k === 'anyOf') out[k] = Array.isArray(v) ? v.map(typesOnly) : typesOnly(v as Json);
    else out[k] = v;
  }
  return out;
}

/**
 * The params schema the request validates: types only, so a wrong type answers 400 InvalidParameters
 * while a broken value rule (range, required, across fields) becomes the task error
 * `invalid_parameter` naming the field, as the source document's clients expect. The rules are
 * written into each field's description for the API document.
 */
export function wireParamsSchema(id: FeatureId): TSchema {
  const { schema } = feature(id).params;
  const required = new Set<string>(schema.required ?? []);
  const shape = typesOnly(JSON.parse(JSON.stringify(schema)) as Json);
  delete shape.required;
  for (const [k, ps] of Object.entries(schema.properties) as [string, Json][]) {
    const words = [ps.description, `${required.has(k) ? 'Required' : 'Optional'}: ${ruleText(ps)}`].filter(Boolean).join('. ');
    shape.properties[k].description = words;
  }
  return shape as TSchema;
}
