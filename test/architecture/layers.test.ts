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

const FEATURE_IDS = [...FILES.find((f) => f.rel === 'features/table.ts')!.text.matchAll(/\{ id: '([^']+)'/g)].map((m) => m[1]);

test('one routing path: the registry names no feature, each feature has one entry file in engines/features/, and only routing/ reads the preference table', () => {
  assert.ok(FEATURE_IDS.length > 10, 'the feature ids are read from the contract');
  const registry = FILES.find((f) => f.rel === 'engines/registry.ts')!;
  assert.deepEqual(FEATURE_IDS.filter((id) => registry.text.includes(`'${id}'`)), []);
  const entries = FILES.filter((f) => under(f.rel, 'engines/features') && !['entry.ts', 'index.ts', 'entries.generated.ts'].includes(path.basename(f.rel)));
  for (const f of entries) {
    const named = /feature: '([^']+)'|Entry\('([^']+)'/.exec(f.text);
    const id = named?.[1] ?? named?.[2];
    assert.equal(f.rel, `engines/features/${id?.replace('/', '-')}.ts`, `${f.rel} serves the feature its name says`);
  }
  const choosers = FILES.filter((f) => !under(f.rel, 'engines/routing') && !under(f.rel, 'engines/features') && /\brouteFeature\b/.test(f.text)).map((f) => f.rel);
  assert.deepEqual(choosers, [], 'engines do not choose among options themselves');
});

test('thread calls go through typed kernel handles: no pool.run( outside engines/kernel.ts and the pool runtime', () => {
  // A bare `pool.run(path, 'fn', …)` names the function by string and asserts its result type; a
  // handle (`kernelHandle<typeof import('./x-kernel.js')>`) takes both from the kernel module.
  const call = /\bpool\.run\s*(<[^>(]*>)?\s*\(/;
  const offenders = FILES.filter((f) => f.rel !== 'engines/kernel.ts' && !under(f.rel, 'engines/runtime') && call.test(f.text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))).map((f) => f.rel);
  assert.deepEqual(offenders, []);
  assert.ok(call.test(FILES.find((f) => f.rel === 'engines/kernel.ts')!.text), 'the pattern still matches the one place that calls the pool');
});

/**
 * Module-level `let`: state a module keeps for the whole process hides who owns it and when it goes.
 * What stays is state that belongs to a worker thread (a kernel's loaded model, the thread's runtime
 * handles), where the module instance is the thread's; each says why.
 */
const MODULE_STATE_ALLOWED: Record<string, string> = {
  'engines/runtime/thread-entry.ts': "a worker thread's own state (its tsx loader, abort word, native guard and idle collection): the module instance is the thread's",
  'engines/runtime/tfjs.ts': "tfjs is itself a singleton per thread: its backend is initialised once per thread",
  'engines/runtime/collect.ts': "V8's gc() handle, looked up once per isolate",
  'engines/runtime/malloc-trim.ts': 'the native malloc_trim binding, loaded once per process',
  'engines/face/human-instance.ts': "kernel model cache: this thread's Human instance",
  'engines/neural/nsfw-kernel.ts': "kernel model cache: this thread's NSFW classifier",
  'engines/neural/matte-kernel.ts': "kernel model cache: this thread's ISNet session",
  'engines/generative/hair/hair-kernel.ts': "resets the recurrent state of this thread's Human instance (RVM) between photos",
};

test('no module-level let in src/ outside a short allow-list that says why each stays', () => {
  const moduleLet = /^(export )?let /m;
  const offenders = FILES.filter((f) => moduleLet.test(f.text) && !(f.rel in MODULE_STATE_ALLOWED)).map((f) => f.rel);
  assert.deepEqual(offenders, []);
  const stale = Object.keys(MODULE_STATE_ALLOWED).filter((rel) => !FILES.some((f) => f.rel === rel && moduleLet.test(f.text)));
  assert.deepEqual(stale, [], 'an allow-list entry whose module no longer keeps state is removed');
});

/**
 * Module-level caches (a `Map`, `Set`, `WeakMap`, array or object created empty and filled later) are
 * module state too. What stays is keyed so it cannot go stale or outlive its owner, or belongs to a
 * worker thread; each says why. Everything else is owned by an instance that app.ts (or an engine)
 * creates, like the style routes' placeholder cards or the enhance engine's Real-ESRGAN infos.
 */
const MODULE_CACHE_ALLOWED: Record<string, string> = {
  'engines/runtime/thread-entry.ts': "the kernel modules a worker thread has imported: the module instance is the thread's",
  'engines/models/onnx.ts': "kernel model cache: one ONNX session per model per thread (the main thread loads one only for `darkroom models check`)",
  'engines/diffusion/diffusion-kernel.ts': "kernel model cache: this thread's diffusion sessions",
  'engines/neural/upscale-kernel.ts': "kernel model cache: this thread's ESRGAN sessions",
  'engines/face/neural-swap-kernel.ts': "kernel model cache: the swapper's emap, read from this thread's loaded model file once",
  'engines/models/adapters/inpaint.ts': 'a WeakMap keyed by a loaded session (kernel thread state): it goes with the session',
  'engines/models/local-catalog.ts': "mirrors the operator's catalog file, keyed by path, size and mtime, so a changed file is read again; used by kernels and the main thread alike",
  'engines/models/resolve.ts': 'checksums already verified, keyed by path, size and mtime (the file as it is), per thread: a changed file is hashed again',
  'engines/models/download.ts': 'HTTP connection pools (undici agents) per proxy URL: sockets shared by every download in the process, holding no data',
  'engines/generative/shared.ts': "a WeakMap keyed by the engines' config object: each running app (and each test's) gets its own diffusion client, so per-backend limits hold across features, and it is collected with the config",
  'engines/diffusion/index.ts': "a WeakMap keyed by the engines' config object: each running app's embedded diffusion client, collected with the config",
};

test('no module-level cache (an empty Map, Set, WeakMap, array or object) in src/ outside a short allow-list that says why each stays', () => {
  const moduleCache = /^(export )?const \w+(\s*:.+?)?\s*=\s*(new (Map|Set|WeakMap|WeakSet)\s*(<.*>)?\(\s*\)|\[\s*\]|\{\s*\})\s*;/m;
  const offenders = FILES.filter((f) => moduleCache.test(f.text) && !(f.rel in MODULE_CACHE_ALLOWED)).map((f) => f.rel);
  assert.deepEqual(offenders, []);
  const stale = Object.keys(MODULE_CACHE_ALLOWED).filter((rel) => !FILES.some((f) => f.rel === rel && moduleCache.test(f.text)));
  assert.deepEqual(stale, [], 'an allow-list entry whose module no longer keeps a cache is removed');
  for (const sample of ['const cache = new Map<string, Promise<Buffer>>();', 'export const seen: string[] = [];', 'const byKey: Record<string, () => void> = {};']) assert.match(sample, moduleCache, sample);
  assert.doesNotMatch("const CODES = new Set(['EPIPE']);", moduleCache, 'a constant set filled at creation is not a cache');
});

test('the checker sees imports at all (guards the regexp above against matching nothing)', () => {
  const tasks = FILES.find((f) => f.rel === 'tasks/tasks.service.ts');
  assert.ok(tasks && importsOf(tasks.rel, tasks.text).some((t) => under(t, 'features')));
});
