/** The feature contract's checker and the request schema derived from it (the HTTP side is in tasks.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkParams, paramsProblem, ParamError, wireParamsSchema } from '../../src/features/check.js';
import { FEATURES } from '../../src/features/table.js';

const VALUE_KEYWORDS = /"(minimum|maximum|multipleOf|minLength|maxLength|pattern|minItems|rule|const)"/;

test('the request schema keeps types only, and states every rule in the field descriptions', () => {
  for (const f of FEATURES) {
    const wire = wireParamsSchema(f.id) as unknown as { properties: Record<string, { description: string }>; required?: string[] };
    assert.doesNotMatch(JSON.stringify(wire), VALUE_KEYWORDS, f.id);
    assert.equal(wire.required, undefined, `${f.id}: a missing param is a task error, not a 400`);
    for (const [name, p] of Object.entries(wire.properties)) assert.match(p.description, /(Required|Optional): \S/, `${f.id}.${name}`);
  }
});

test('params missing a required field are refused naming a required field', () => {
  for (const f of FEATURES) {
    const required = f.params.schema.required ?? [];
    const r = paramsProblem(f.id, {}, { files: {} });
    if (required.length === 0) {
      assert.ok('params' in r, `${f.id} takes no params at all`);
      continue;
    }
    assert.ok('problem' in r, f.id);
    assert.ok(required.includes(r.problem.field), `${f.id}: ${r.problem.field}`);
    assert.equal(r.problem.message, `${r.problem.field} is required`);
  }
});

test('top-level numeric strings are numbers, null and empty mean absent; nested values are taken as sent', () => {
  assert.deepEqual(checkParams('enhance', { scale: ' 4 ' }, { files: {} }), { scale: 4 });
  assert.deepEqual(checkParams('bg-blur', { blur_strength: null }, { files: {} }), {});
  assert.deepEqual(checkParams('bg-replace', { background_color: '' }, { files: {} }), {});
  assert.throws(() => checkParams('face-swap', { face_mapping: [{ index: '0', position: 0 }] }, { files: { ref_ids: 1 } }), (e: unknown) => e instanceof ParamError && e.field === 'face_mapping[0].index');
  assert.throws(() => checkParams('bg-blur', { blur_strength: '50%' }, { files: {} }), (e: unknown) => e instanceof ParamError && /^blur_strength must be an integer from 1 to 100 \(got "50%"\)$/.test(e.message));
});

test('rules against the files sent use the counts given at creation', () => {
  const mapping = { face_mapping: [{ index: 1, position: 0 }] };
  assert.throws(() => checkParams('face-swap', mapping, { files: { ref_ids: 1 } }), (e: unknown) => e instanceof ParamError && /1 reference image\(s\) given/.test(e.message));
  assert.deepEqual(checkParams('face-swap', mapping, { files: { ref_ids: 2 } }), mapping);
});

test('unknown extra params are kept, not refused: clients of the source document send extras', () => {
  assert.deepEqual(checkParams('colorize', { strength: 3 }, { files: {} }), { strength: 3 });
});
