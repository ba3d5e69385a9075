import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'darkroom-config-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function writeConfig(name: string, content: unknown): string {
  const file = path.join(dataDir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** The problems a load refuses with; fails the test when it loads. */
function refusal(env: NodeJS.ProcessEnv, overrides = {}): string[] {
  try {
    loadConfig({ dataDir, ...overrides }, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the configuration loaded');
}

test('a good configuration loads: defaults, file, env and overrides in that order', () => {
  const file = writeConfig('good.json', { port: 9100, tasks: { concurrency: 4 }, diffusion: { a1111: ['http://from-file:7860'] }, prices: { enhance: 3 } });
  const cfg = loadConfig(
    { dataDir, rateLimit: { perIpMax: 7 } },
    { DARKROOM_CONFIG: file, DARKROOM_TASK_CONCURRENCY: '6', DARKROOM_RUN_ENGINES: 'off', DARKROOM_COMFYUI_URLS: 'http://c1:8188, http://c2:8188' },
  );
  assert.equal(cfg.port, 9100, 'the file beats the defaults');
  assert.equal(cfg.tasks.concurrency, 6, 'env beats the file');
  assert.equal(cfg.runEngines, false);
  assert.deepEqual(cfg.diffusion.comfyui, ['http://c1:8188', 'http://c2:8188']);
  assert.deepEqual(cfg.diffusion.a1111, ['http://from-file:7860']);
  assert.equal(cfg.rateLimit.perIpMax, 7, 'overrides beat everything');
  assert.equal(cfg.rateLimit.perTokenMax, 100, 'untouched keys keep their default');
  assert.equal(cfg.prices.enhance, 3);
  assert.equal(cfg.tasks.perKeyConcurrency, 1);
  assert.equal(cfg.dataDir, path.resolve(dataDir));
  assert.equal(cfg.databaseUrl, `sqlite:${path.join(path.resolve(dataDir), 'darkroom.db')}`);
  assert.equal(cfg.engines.modelsDir, path.join(path.resolve(dataDir), 'models'));
});

test('the first declared env name wins and S3 settings from env build the s3 group with its defaults', () => {
  const cfg = loadConfig({ dataDir }, { DARKROOM_PORT: '9200', PORT: '9300', DARKROOM_S3_BUCKET: 'photos', DARKROOM_TRUST_PROXY: '1', DARKROOM_QUEUE_LOCK_MS: '5000' });
  assert.equal(cfg.port, 9200);
  assert.deepEqual(cfg.storage.s3, { bucket: 'photos', region: 'us-east-1', forcePathStyle: true });
  assert.equal(cfg.trustProxy, true);
  assert.equal(cfg.tasks.queue.lockMs, 5000);
});

test('a bad value from env is refused, naming the key and the variable', () => {
  const problems = refusal({ DARKROOM_PORT: 'abc' });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^port = "abc" from environment variable DARKROOM_PORT: expected an integer/);
  assert.match(refusal({ DARKROOM_RATE_LIMIT: 'maybe' })[0], /rateLimit\.enabled = "maybe" from environment variable DARKROOM_RATE_LIMIT: expected true or false/);
  assert.match(refusal({ DARKROOM_STORAGE: 'ftp' })[0], /storage\.driver = "ftp" from environment variable DARKROOM_STORAGE: expected one of "local", "s3"/);
  assert.match(refusal({ DARKROOM_TASK_CONCURRENCY: '0' })[0], /tasks\.concurrency = 0 from environment variable DARKROOM_TASK_CONCURRENCY: expected an integer ≥ 1/);
});

test('a bad value in the file is refused, naming the key and the file', () => {
  const file = writeConfig('bad-value.json', { engines: { nsfw: { threshold: 3 } }, webhooks: { timeoutMs: '10s' } });
  const problems = refusal({ DARKROOM_CONFIG: file });
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith(`engines.nsfw.threshold = 3 from config file ${file}: expected a number ≥ 0 and ≤ 1`)), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith(`webhooks.timeoutMs = "10s" from config file ${file}: expected an integer`)), problems.join('\n'));
});

test('an unknown key in the file is refused, with the likely intended key', () => {
  const file = writeConfig('typo.json', { tasks: { concurency: 3 }, pricez: {} });
  const problems = refusal({ DARKROOM_CONFIG: file });
  assert.ok(problems.includes(`unknown key "tasks.concurency" in config file ${file} (did you mean tasks.concurrency?)`), problems.join('\n'));
  assert.ok(problems.includes(`unknown key "pricez" in config file ${file} (did you mean prices?)`), problems.join('\n'));
});

test('an unknown feature in prices is refused', () => {
  const file = writeConfig('price-typo.json', { prices: { enhanse: 2 } });
  assert.match(refusal({ DARKROOM_CONFIG: file })[0], new RegExp(`unknown feature "enhanse" in prices, from config file .*price-typo\\.json \\(did you mean enhance\\?\\)`));
});

test('an unknown DARKROOM_ variable is refused; the non-configuration ones are not', () => {
  assert.deepEqual(refusal({ DARKROOM_PROT: '8080' }), ['unknown environment variable DARKROOM_PROT (did you mean DARKROOM_PORT?)']);
  assert.doesNotThrow(() => loadConfig({ dataDir }, { DARKROOM_URL: 'http://x', DARKROOM_FAULT_AT: 'mid-charge', DARKROOM_TEST_PG_URL: 'postgres://x', HOME: '/root' }));
});

test('a missing required key names what to set; a file that is not JSON is refused', () => {
  assert.match(refusal({ DARKROOM_S3_ENDPOINT: 'http://minio:9000' })[0], /storage\.s3\.bucket is required \(set DARKROOM_S3_BUCKET\), missing in environment variable DARKROOM_S3_ENDPOINT/);
  const file = writeConfig('broken.json', '{ "port": 80,');
  assert.match(refusal({ DARKROOM_CONFIG: file })[0], /broken\.json is not valid JSON/);
});

test('every problem is reported at once', () => {
  const file = writeConfig('many.json', { host: 7, tasks: { timeoutMz: 1 } });
  const problems = refusal({ DARKROOM_CONFIG: file, DARKROOM_ENGINE_WORKERS: 'two' });
  assert.equal(problems.length, 3, problems.join('\n'));
});

test('docs/configuration.md lists every configuration key and its environment variable', async () => {
  const { ConfigSchema } = await import('../../src/config/schema.js');
  const { readFileSync } = await import('node:fs');
  const rows = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('| `'));
  const firstCell = (row: string) => row.split('|')[1];
  // A row names a key as `a.b.c`, as a sibling after a slash (`a.b.x` / `c`) or as a group (`a.b.*`).
  const rowFor = (name: string) => {
    const dot = name.lastIndexOf('.');
    const [parent, leaf] = [name.slice(0, dot), name.slice(dot + 1)];
    return (
      rows.find((r) => firstCell(r).includes(`\`${name}\``)) ??
      rows.find((r) => {
        const cell = firstCell(r);
        return dot > 0 && (cell.includes(`\`${parent}.*\``) || (cell.includes(`\`${parent}.`) && cell.includes(`\`${leaf}\``)));
      })
    );
  };
  const missing: string[] = [];
  type Node = { type?: string; properties?: Record<string, Node>; env?: string[] };
  const walk = (schema: Node, prefix: string) => {
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      const name = prefix + key;
      if (sub.type === 'object' && sub.properties && Object.keys(sub.properties).length > 0) {
        walk(sub, `${name}.`);
        continue;
      }
      const row = rowFor(name);
      if (!row) {
        missing.push(name);
        continue;
      }
      // An env variable is named whole, or by its tail in a group row (`DARKROOM_S3_ENDPOINT`, `_REGION`).
      for (const v of sub.env ?? []) if (!row.includes(v) && !row.includes(`_${v.split('_').slice(2).join('_')}\``)) missing.push(`${name} (${v})`);
    }
  };
  walk(ConfigSchema as Node, '');
  assert.deepEqual(missing, []);
});
