/**
 * Files written from the feature contract by scripts/gen-features.ts: a stale copy fails here (run
 * `npm run gen`), and the writer turns params schemas into the types an SDK caller writes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { FEATURE_ENTRIES_PATH, GENERATED, entryFileOf, typeOf } from '../../scripts/gen-features.js';
import { FEATURES } from '../../src/features/table.js';
import { ENTRY_BY_FEATURE } from '../../src/engines/features/index.js';

for (const g of GENERATED) {
  test(`${path.basename(g.path)} is what scripts/gen-features.ts writes from src/features`, () => {
    assert.equal(readFileSync(g.path, 'utf8'), g.source(), 'stale: run `npm run gen`');
  });
}

test('every entry file in src/engines/features/ is registered under the feature it serves, and every contract feature has one', () => {
  const dir = path.dirname(FEATURE_ENTRIES_PATH);
  const support = new Set(['entry.ts', 'index.ts', path.basename(FEATURE_ENTRIES_PATH)]);
  const files = readdirSync(dir).filter((n) => n.endsWith('.ts') && !support.has(n)).sort();
  assert.deepEqual(files, FEATURES.map((f) => `${entryFileOf(f.id)}.ts`).sort(), 'an entry file without a contract feature, or a feature without one');
  for (const f of FEATURES) assert.equal(ENTRY_BY_FEATURE[f.id].feature, f.id, `${entryFileOf(f.id)}.ts serves ${f.id}`);
});

test('params schemas become the types an SDK caller writes', () => {
  const schema = Type.Object({
    mode: Type.Union([Type.Literal('fast'), Type.Literal('best')], { description: 'How hard to try' }),
    ids: Type.Array(Type.Union([Type.Integer(), Type.String()]), { minItems: 2, maxItems: 2 }),
    tags: Type.Optional(Type.Array(Type.String())),
    strength: Type.Optional(Type.Number({ minimum: 0 })),
    keep: Type.Boolean(),
  });
  assert.equal(
    typeOf(schema),
    ['{', '  /** How hard to try */', "  mode: 'fast' | 'best';", '  ids: [IdInput, IdInput];', '  tags?: string[];', '  strength?: number;', '  keep: boolean;', '}'].join('\n'),
  );
  assert.equal(typeOf(Type.Object({})), 'NoParams');
  assert.throws(() => typeOf(Type.Null()), /cannot write a type/, 'a schema kind the writer does not know is refused, not guessed');
});
