/**
 * The layering docs/architecture.md promises, checked on the import graph of src/: domain code never
 * reaches into the HTTP layer, engines and style catalogs do not import each other in a cycle, and the
 * environment is read by the configuration alone.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const FILES = sources(SRC).map((file) => ({ rel: path.relative(SRC, file), text: readFileSync(file, 'utf8') }));

/** Relative import targets of a file, as paths under src/ (type-only imports included: they still couple). */
function importsOf(rel: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:import|export)[^'"`;]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
  return specs.map((s) => path.relative(SRC, path.resolve(SRC, path.dirname(rel), s)));
}

const under = (rel: string, dir: string) => rel === dir || rel.startsWith(`${dir}/`);

test('domain code (tasks, files, billing, auth, styles, engines, storage, db, webhooks) imports nothing from api/', () => {
  const domain = ['tasks', 'files', 'billing', 'auth', 'styles', 'engines', 'storage', 'db', 'webhooks', 'features'];
  const offenders = FILES.filter((f) => domain.some((d) => under(f.rel, d))).flatMap((f) => importsOf(f.rel, f.text).filter((t) => under(t, 'api')).map((t) => `${f.rel} → ${t}`));
  assert.deepEqual(offenders, []);
});

test('engines never import styles/ (they receive a resolved style), so there is no styles↔engines cycle', () => {
  const offenders = FILES.filter((f) => under(f.rel, 'engines')).flatMap((f) => importsOf(f.rel, f.text).filter((t) => under(t, 'styles')).map((t) => `${f.rel} → ${t}`));
  assert.deepEqual(offenders, []);
});

test('the feature contract depends on no engine, task or API code', () => {
  const offenders = FILES.filter((f) => under(f.rel, 'features')).flatMap((f) => importsOf(f.rel, f.text).filter((t) => ['engines', 'tasks', 'api', 'styles'].some((d) => under(t, d))).map((t) => `${f.rel} → ${t}`));
  assert.deepEqual(offenders, []);
});

test('process.env is read only by the configuration and the few client-side or test-only places that say why', () => {
  // The CLI's client options and `models pull`'s proxy variables belong to the operator's shell, not to a
  // server's configuration; fault points are test-only kill switches.
  const allowed = ['config', 'cli/commands/run.ts', 'engines/models/download.ts', 'engines/models/pull.ts', 'util/fault.ts', 'config.ts'];
  const offenders = FILES.filter((f) => /process\.env\b/.test(f.text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')) && !allowed.some((a) => under(f.rel, a))).map((f) => f.rel);
  assert.deepEqual(offenders, []);
});

test('SQL is written only in repositories (<domain>.repository.ts) and db/ (connection, migrations)', () => {
  const statement = /\b(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(|\bsql\s*(<[^>]*>)?`|\.transaction\(\)/;
  const offenders = FILES.filter((f) => !under(f.rel, 'db') && !f.rel.endsWith('.repository.ts') && statement.test(f.text)).map((f) => f.rel);
  assert.deepEqual(offenders, []);
  assert.ok(FILES.some((f) => f.rel === 'tasks/tasks.repository.ts' && statement.test(f.text)), 'the pattern still matches a repository');
});

test('the checker sees imports at all (guards the regexp above against matching nothing)', () => {
  const tasks = FILES.find((f) => f.rel === 'tasks/tasks.service.ts');
  assert.ok(tasks && importsOf(tasks.rel, tasks.text).some((t) => under(t, 'features')));
});
