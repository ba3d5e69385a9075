import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCorpus, type BadInputCase, type HttpCase, type HttpExpectation, type TaskCase, type UploadCase } from './bad-inputs/corpus.js';
import { startTestServer, type ApiResponse, type TestServer } from '../helpers/harness.js';
import { authHeaders, fill, makeTenants, type Tenants } from './support/fixtures.js';
import { settledRssMb } from './support/memory.js';

/**
 * Runs the generated bad-input corpus (test/reliability/bad-inputs) against a live server with engines:
 * every case must get the wire contract's answer, never a 5xx or an internal detail, and the
 * server must stay up with its memory back near where it started.
 */

const ADMIN_PASSWORD = 'reliability-admin-password-1';
const LEAK = /\bat [^\s]+\.(ts|js|mjs):\d+|node_modules|SQLITE_|sqlite|kysely|\/work\/|\/tmp\//i;
const corpus = await buildCorpus();

let server: TestServer;
let t: Tenants;
let baselineRss = 0;
let balanceAfterFixtures = 0;
/** Known defect of the video engine, kept visible as a todo test below instead of failing each case. */
const videoLeaks: string[] = [];
const outcomes = new Map<string, { group: string; kind: string; passed: boolean }>();

before(async () => {
  server = await startTestServer({ engines: { nsfw: { enabled: false, threshold: 0.7 } }, admin: { password: ADMIN_PASSWORD } });
  t = await makeTenants(server, ADMIN_PASSWORD);
  balanceAfterFixtures = await server.app.services.credits.balance(t.me.clientId);
  baselineRss = await settledRssMb();
});

after(async () => {
  if (!server) return;
  const endRss = await settledRssMb();
  const groups: Record<string, { tried: number; passed: number }> = {};
  for (const o of outcomes.values()) {
    const g = (groups[o.group] ??= { tried: 0, passed: 0 });
    g.tried++;
    if (o.passed) g.passed++;
  }
  const report = {
    cases: corpus.length,
    tried: outcomes.size,
    passed: [...outcomes.values()].filter((o) => o.passed).length,
    rssMb: { baseline: baselineRss, end: endRss },
    groups,
  };
  mkdirSync('artifacts/reliability', { recursive: true });
  writeFileSync('artifacts/reliability/bad-inputs-report.json', JSON.stringify(report, null, 2));
  await server.close();
});

function assertAnswer(r: { status: number; text: string; json: any }, expect: HttpExpectation, what: string): void {
  assert.ok(r.status < 500, `${what}: server error ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.status, expect.status, `${what}: ${r.text.slice(0, 300)}`);
  assert.doesNotMatch(r.text, LEAK, `${what}: internal detail leaked`);
  if (expect.status === 200 && r.text === '') return; // a storage PUT answers an empty 200
  assert.ok(r.json && typeof r.json === 'object', `${what}: answers a JSON envelope, got ${r.text.slice(0, 200)}`);
  assert.equal(r.json.status, expect.status, `${what}: body.status`);
  if (expect.codes) {
    assert.equal(typeof r.json.error, 'string', `${what}: error message`);
    assert.ok(expect.codes.includes(r.json.error_code), `${what}: error_code ${r.json.error_code}, expected ${expect.codes.join('|')}: ${r.json.error}`);
  }
}

async function send(method: string, url: string, headers: Headers, body?: string | Buffer) {
  const res = await fetch(url, { method, headers, body: body as BodyInit | undefined });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json: json as any, headers: res.headers };
}

async function runHttp(c: HttpCase): Promise<void> {
  const headers = authHeaders(t, c.auth);
  if (c.contentType) headers.set('content-type', c.contentType);
  for (const [k, v] of Object.entries(c.headers ?? {})) headers.set(k, v);
  const body = typeof c.body === 'string' ? fill(c.body, t.vars) : c.body;
  const r = await send(c.method, `${server.baseUrl}${fill(c.path, t.vars)}`, headers, body);
  assertAnswer(r, c.expect, c.name);
  if (c.check === 'file-name-inert') {
    const fileId = r.json.result.files[0].file_id as string;
    const row = await server.app.services.db.kysely.selectFrom('files').select(['storage_key', 'file_name']).where('id', '=', fileId).executeTakeFirstOrThrow();
    assert.match(row.storage_key, /^uploads\/[A-Za-z0-9_-]{2}\/[A-Za-z0-9_-]+\.(png|jpg)$/, 'the storage key never contains the client file name');
    const url = new URL(r.json.result.files[0].requests[0].url);
    assert.equal(url.host, new URL(server.baseUrl).host);
    assert.ok(!url.pathname.includes('..'));
  }
}

async function runUpload(c: UploadCase): Promise<void> {
  const declared = c.data.length;
  const slot = async () => {
    const r = await t.me.api('POST', `/s2s/v1.1/file/${c.feature}`, { files: [{ content_type: c.contentType, file_name: 'upload', file_size: declared }] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.result.files[0] as { file_id: string; requests: { url: string; headers: Record<string, string> }[] };
  };
  const s = await slot();
  let url = new URL(s.requests[0].url);
  const headers = new Headers(s.requests[0].headers);
  headers.delete('content-length'); // fetch sets it from the body
  let body = c.data;
  switch (c.tamper) {
    case 'none':
      break;
    case 'sig':
      url.searchParams.set('sig', `${url.searchParams.get('sig')!.slice(0, -3)}abc`);
      break;
    case 'expires-later':
      url.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600_000));
      break;
    case 'expired': {
      const key = url.pathname.replace(/^\/storage\//, '');
      const past = await server.app.services.localStorage!.presignUpload(key, { contentType: c.contentType, contentLength: declared, expiresAt: Date.now() - 1000 });
      url = new URL(past.url);
      break;
    }
    case 'other-key': {
      const second = new URL((await slot()).requests[0].url);
      url = new URL(`${second.origin}${second.pathname}${url.search}`);
      break;
    }
    case 'no-sig':
      url.searchParams.delete('sig');
      break;
    case 'expires-not-number':
      url.searchParams.set('expires', 'tomorrow');
      break;
    case 'traversal-key':
      url = new URL(`${url.origin}/storage/uploads/..%2f..%2fsecrets%2fmaster.key${url.search}`);
      break;
    case 'content-type':
      headers.set('content-type', 'image/jpeg');
      break;
    case 'length-mismatch':
      body = c.data.subarray(0, c.data.length - 10);
      break;
  }
  const r = await send('PUT', url.href, headers, body);
  assertAnswer(r, c.expect, c.name);
  if (c.expect.status !== 200) {
    // Whatever was refused left no content behind: a task on that file is refused.
    const use = await t.me.createTask(c.feature, c.feature === 'video-sr' || c.feature === 'color-correct' || c.feature === 'enhance' ? { src_ids: [s.file_id] } : undefined);
    assert.equal(use.status, 400, JSON.stringify(use.body));
    assert.equal(use.body.error_code, 'FileNotUploaded');
  }
}

async function runTask(c: TaskCase): Promise<void> {
  const fileSets: Record<string, string[]> = {};
  for (const input of c.inputs) (fileSets[input.set] ??= []).push(await t.me.upload(c.feature, input.data, input.contentType, 'input'));
  const created: ApiResponse = await t.me.createTask(c.feature, c.inputs.length ? fileSets : undefined, c.params);
  if ('http' in c.expect) {
    assertAnswer({ status: created.status, text: JSON.stringify(created.body), json: created.body }, c.expect.http, c.name);
    return;
  }
  assert.equal(created.status, 200, `${c.name}: ${JSON.stringify(created.body)}`);
  const done = await t.me.waitForTask(c.feature, created.body.result.task_id, 60_000);
  assert.equal(done.status, 'error', `${c.name}: expected ${c.expect.taskError}, got ${JSON.stringify(done).slice(0, 300)}`);
  assert.equal(done.error, c.expect.taskError, `${c.name}: ${done.error_message}`);
  assert.equal(typeof done.error_message, 'string');
  if (LEAK.test(done.error_message)) {
    if (c.feature !== 'video-sr') assert.fail(`${c.name}: internal detail in error_message: ${done.error_message}`);
    videoLeaks.push(`${c.name}: ${done.error_message}`);
  }
}

function run(c: BadInputCase): Promise<void> {
  switch (c.kind) {
    case 'http':
      return runHttp(c);
    case 'upload':
      return runUpload(c);
    case 'task':
      return runTask(c);
  }
}

describe(`bad-input corpus (${corpus.length} cases)`, () => {
  for (const [i, c] of corpus.entries()) {
    test(`[${c.group}] ${c.name}`, async () => {
      const key = `${i}`;
      outcomes.set(key, { group: c.group, kind: c.kind, passed: false });
      await run(c);
      outcomes.set(key, { group: c.group, kind: c.kind, passed: true });
    });
  }
});

describe('after the corpus', () => {
  test('the server is healthy and still serves real work', async () => {
    assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);
    assert.equal((await t.me.api('GET', '/s2s/v1.0/client/credit')).status, 200);
  });

  test('no refused or failed case was charged, and no task is left running', async () => {
    assert.equal(await server.app.services.credits.balance(t.me.clientId), balanceAfterFixtures);
    const running = await server.app.services.db.kysely.selectFrom('tasks').select('id').where('status', '=', 'running').execute();
    assert.deepEqual(running, []);
  });

  test('no partial upload was left in storage', () => {
    const root = path.join(server.config.dataDir, 'files');
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [e.name]));
    assert.deepEqual(walk(root).filter((n) => n.endsWith('.part')), []);
  });

  test('video task error messages carry no server paths or tool internals', () => {
    assert.deepEqual(videoLeaks, []);
  });

  test('memory is back near its baseline', async () => {
    const end = await settledRssMb();
    // Generous on purpose: the exact figures go to docs/reliability.md. A leak of the decoded
    // bombs (30000x30000 RGB is 2.7 GB) or of buffered bodies would blow far past this.
    assert.ok(end - baselineRss < 400, `RSS grew from ${baselineRss} MB to ${end} MB`);
  });
});
