import type { Ajv } from '@fastify/ajv-compiler';

/**
 * Ajv keywords for fields that must keep their JSON type exactly. The server coerces query strings
 * (everything there is text), and Ajv applies coercion wherever a schema says `type`; these
 * keywords stand in for `type` so that `true`, `null`, `" 1"` or `"1e3"` are refused rather than
 * turned into numbers, and two spellings can never meet on one idempotency key.
 */
interface KeywordDefinition {
  keyword: string;
  schemaType: 'boolean';
  errors: true;
  validate: ((schema: unknown, data: unknown) => boolean) & { errors: unknown[] | null };
}

const STRICT_ID_MESSAGE = 'must be a JSON integer from 0 to 9007199254740991';

function keyword(name: string, message: string, test: (data: unknown, schema: unknown) => boolean): KeywordDefinition {
  const validate = Object.assign(
    (schema: unknown, data: unknown): boolean => {
      const ok = test(data, schema);
      validate.errors = ok ? null : [{ keyword: name, message, params: {} }];
      return ok;
    },
    { errors: null as unknown[] | null },
  );
  return { keyword: name, schemaType: 'boolean', errors: true, validate };
}

/** An Ajv plugin (Fastify's `ajv.plugins`). */
export function strictTypes(ajv: Ajv): Ajv {
  const add = (def: KeywordDefinition) => ajv.addKeyword(def as Parameters<Ajv['addKeyword']>[0]);
  add(keyword('x-strict-id', STRICT_ID_MESSAGE, (d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0));
  add(keyword('x-file-id', 'must be a file_id: a string of 1 to 128 characters', (d) => typeof d === 'string' && d.length >= 1 && d.length <= 128));
  return ajv;
}
