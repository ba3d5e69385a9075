import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encryptIdToken } from '../../src/auth/id-token.js';
import { freePort, startTestServer, TestClient, type TestServer } from '../helpers/harness.js';
import { smallPng } from './support/fixtures.js';
import { ServeProcess } from './support/serve-process.js';

/** Tenant isolation, token lifetimes, secrets in logs and answers, headers: see docs/security.md. */

const checks: Record<string, boolean> = {};
const record = (name: string) => (checks[name] = true);

after(() => {
  mkdirSync('artifacts/reliability', { recursive: true });
  writeFileSync('artifacts/reliability/security-report.json', JSON.stringify({ passed: Object.keys(checks).length, checks: Object.keys(checks) }, null, 2));
});

/** Two answers are the same once the id the caller sent is blanked out. */
function sameAnswer(a: { status: number; body: any }, b: { status: number; body: any }, idA: string, idB: string): void {
  assert.equal(a.status, b.status);
  assert.deepEqual(JSON.parse(JSON.stringify(a.body).replaceAll(idA, 'ID')), JSON.parse(JSON.stringify(b.body).replaceAll(idB, 'ID')));
}

describe('tenant isolation', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let task: { id: string; fileId: string; resultId: string; resultUrl: string };

  before(async () => {
    server = await startTestServer({});
    alice = await server.newClient(50);
    bob = await server.newClient(50);
    const fileId = await alice.upload('color-correct', await smallPng(), 'image/png');
    const created = await alice.createTask('color-correct', { src_ids: [fileId] }, undefined, 5);
    const done = await alice.waitForTask('color-correct', created.body.result.task_id);
    assert.equal(done.status, 'success');
    task = { id: created.body.result.task_id, fileId, resultId: done.results[0].data[0].dst_id, resultUrl: done.results[0].data[0].url };
  });
  after(async () => server?.close());

  test("another client's task answers exactly like an unknown id on poll and cancel", async () => {
    const fake = 'A'.repeat(task.id.length);
    sameAnswer(await bob.poll('color-correct', task.id), await bob.poll('color-correct', fake), task.id, fake);
    sameAnswer(
      await bob.api('POST', `/s2s/v1.0/task/color-correct/cancel?task_id=${task.id}`),
      await bob.api('POST', `/s2s/v1.0/task/color-correct/cancel?task_id=${fake}`),
      task.id,
      fake,
    );
    record('task poll/cancel: foreign id = unknown id');
  });

  test("another client's upload and result ids answer exactly like unknown ids as task inputs", async () => {
    for (const id of [task.fileId, task.resultId]) {
      const fake = 'B'.repeat(id.length);
      sameAnswer(await bob.createTask('color-correct', { src_ids: [id] }), await bob.createTask('color-correct', { src_ids: [fake] }), id, fake);
    }
    record('task inputs: foreign upload/result id = unknown id');
  });

  test("repeating another client's request_id with its file ids never returns its task", async () => {
    const r = await bob.createTask('color-correct', { src_ids: [task.fileId] }, undefined, 5);
    assert.equal(r.status, 404);
    assert.ok(!JSON.stringify(r.body).includes(task.id));
    record('idempotency keys are per client');
  });

  test("credit lots and history show only the caller's own entries", async () => {
    const aLots = (await alice.api('GET', '/s2s/v1.0/client/credit')).body.results.map((l: { id: number }) => l.id);
    const bLots = (await bob.api('GET', '/s2s/v1.0/client/credit')).body.results.map((l: { id: number }) => l.id);
    assert.ok(aLots.length > 0 && bLots.length > 0);
    assert.deepEqual(aLots.filter((id: number) => bLots.includes(id)), []);
    const bHistory = (await bob.api('GET', '/s2s/v1.0/client/credit/history')).body.result.history;
    assert.ok(!JSON.stringify(bHistory).includes(task.id));
    // A history token from Alice's ids only pages through Bob's own entries.
    const aHistory = (await alice.api('GET', '/s2s/v1.0/client/credit/history')).body.result.history;
    const paged = (await bob.api('GET', `/s2s/v1.0/client/credit/history?starting_token=${aHistory[0].id + 1}`)).body.result.history;
    assert.ok(paged.every((h: { id: number }) => bHistory.some((b: { id: number }) => b.id === h.id)));
    record('credit and history: own entries only');
  });

  test('a result URL is a capability: it works without a token, but only for its own key and until it expires', async () => {
    assert.equal((await fetch(task.resultUrl)).status, 200);
    const other = new URL(task.resultUrl);
    other.pathname = other.pathname.replace(/[^/]+$/, `${task.fileId}.png`);
    assert.equal((await fetch(other)).status, 403);
    record('result URLs bound to their key');
  });
});

describe('id_token window, replay and revocation', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ admin: { password: 'admin-pw-for-revocation' } }, { manualClock: true });
  });
  after(async () => server?.close());

  const exchange = (clientId: string, idToken: string) =>
    fetch(`${server.baseUrl}/s2s/v1.0/client/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: clientId, id_token: idToken }) });

  test('clock skew up to 5 minutes either way is accepted; beyond it is refused', async () => {
    const k = await server.app.services.keys.create('skew');
    const now = server.clock!.now();
    for (const [skew, status] of [[-4.9 * 60_000, 200], [4.9 * 60_000, 200], [-5 * 60_000 - 1000, 401], [5 * 60_000 + 1000, 401]] as const) {
      assert.equal((await exchange(k.clientId, encryptIdToken(k.clientId, k.clientSecret, Math.round(now + skew)))).status, status, `skew ${skew} ms`);
    }
    record('id_token skew window ±5 min');
  });

  test('an id_token cannot be replayed, not even after the replay records are swept', async () => {
    const k = await server.app.services.keys.create('replay');
    const token = encryptIdToken(k.clientId, k.clientSecret, server.clock!.now());
    assert.equal((await exchange(k.clientId, token)).status, 200);
    assert.equal((await exchange(k.clientId, token)).status, 401);
    server.clock!.advance(11 * 60_000);
    await server.app.sweep();
    assert.equal((await exchange(k.clientId, token)).status, 401);
    record('id_token replay refused, also after sweep');
  });

  test('revoking a key through the admin API refuses its live access token on the next request', async () => {
    const c = await server.newClient(5);
    assert.equal((await c.api('GET', '/s2s/v1.0/client/credit')).status, 200);
    const login = await c.api('POST', '/admin/v1/login', { password: 'admin-pw-for-revocation' }, false);
    const admin = new TestClient(server.baseUrl, '', '', Date.now);
    admin.token = login.body.result.admin_token;
    assert.equal((await admin.api('POST', `/admin/v1/keys/${c.clientId}/revoke`)).status, 200);
    const after = await c.api('GET', '/s2s/v1.0/client/credit');
    assert.equal(after.status, 401);
    assert.equal(after.body.error_code, 'InvalidAccessToken');
    assert.equal((await c.createTask('color-correct', { src_ids: ['x'] })).status, 401);
    record('revocation immediate');
  });

  test('admin password guessing is limited: 20 attempts a minute, then 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const r = await fetch(`${server.baseUrl}/admin/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: `guess-${i}` }) });
      statuses.push(r.status);
    }
    // The revocation test above signed in once from this address within the same minute.
    const first429 = statuses.indexOf(429);
    assert.equal(first429, 19, statuses.join(','));
    assert.ok(statuses.slice(0, first429).every((s) => s === 401));
    assert.ok(statuses.slice(first429).every((s) => s === 429));
    record('admin login rate limited');
  });
});

describe('secrets in logs and answers (darkroom serve at debug level)', () => {
  let dataDir: string;
  let serve: ServeProcess;
  const secrets: Record<string, string> = {};
  const ADMIN_PW = 'log-capture-admin-password-7f3';

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'darkroom-logs-'));
    serve = new ServeProcess({ dataDir, port: await freePort(), env: { DARKROOM_LOG_LEVEL: 'debug', DARKROOM_ADMIN_PASSWORD: ADMIN_PW } });
    await serve.start();
    const k = serve.devKey();
    const c = new TestClient(serve.baseUrl, k.clientId, k.clientSecret, Date.now);
    secrets.idToken = c.idToken();
    const auth = await c.api('POST', '/s2s/v1.0/client/auth', { client_id: k.clientId, id_token: secrets.idToken }, false);
    c.token = secrets.accessToken = auth.body.result.access_token;
    const fileId = await c.upload('color-correct', await smallPng(), 'image/png');
    const created = await c.createTask('color-correct', { src_ids: [fileId] });
    const done = await c.waitForTask('color-correct', created.body.result.task_id);
    secrets.resultSig = new URL(done.results[0].data[0].url).searchParams.get('sig')!;
    await c.download(done.results[0].data[0].url);
    await c.api('POST', '/s2s/v1.0/client/auth', { client_id: k.clientId, id_token: 'forged' }, false);
    const login = await c.api('POST', '/admin/v1/login', { password: ADMIN_PW }, false);
    const admin = new TestClient(serve.baseUrl, '', '', Date.now);
    admin.token = secrets.adminToken = login.body.result.admin_token;
    await c.api('POST', '/admin/v1/login', { password: `${ADMIN_PW}-wrong` }, false);
    const key = await admin.api('POST', '/admin/v1/keys', { name: 'logged?' });
    secrets.newClientSecret = key.body.result.client_secret;
    secrets.webhookSecret = key.body.result.webhook_secret;
    secrets.keysList = JSON.stringify((await admin.api('GET', '/admin/v1/keys')).body);
    await admin.api('POST', `/admin/v1/keys/${key.body.result.client_id}/revoke`);
    secrets.masterKey = readFileSync(path.join(dataDir, 'secrets', 'master.key'), 'utf8').trim();
    await serve.stop();
    mkdirSync('artifacts/reliability', { recursive: true });
    writeFileSync('artifacts/reliability/serve-debug.log', serve.output);
  });
  after(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('no secret appears in the server output', () => {
    const log = serve.output;
    assert.ok(log.length > 1000, 'the run did log');
    for (const name of ['idToken', 'accessToken', 'adminToken', 'newClientSecret', 'webhookSecret', 'masterKey', 'resultSig'] as const) {
      assert.ok(!log.includes(secrets[name]), `${name} appears in the log`);
    }
    assert.ok(!log.includes(ADMIN_PW), 'the configured admin password appears in the log');
    assert.doesNotMatch(log, /PRIVATE KEY|whsec_/);
    record('no secrets in debug logs');
  });

  test('secrets are shown once at creation and never returned afterwards', () => {
    assert.ok(secrets.newClientSecret && secrets.webhookSecret, 'returned at creation');
    for (const s of [secrets.newClientSecret, secrets.webhookSecret]) assert.ok(!secrets.keysList.includes(s));
    assert.doesNotMatch(secrets.keysList, /secret|private/i);
    record('secrets not returned after creation');
  });
});

describe('headers and CORS', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ runEngines: false });
  });
  after(async () => server?.close());

  test('API answers carry nosniff, no-referrer and frame denial, and no CORS grant', async () => {
    for (const [method, p] of [['GET', '/healthz'], ['GET', '/s2s/v1.0/client/credit'], ['POST', '/s2s/v1.0/client/auth'], ['GET', '/nothing']] as const) {
      const r = await fetch(`${server.baseUrl}${p}`, { method, headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', p);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
      assert.equal(r.headers.get('access-control-allow-origin'), null, p);
      assert.equal(r.headers.get('x-powered-by'), null, p);
    }
    const preflight = await fetch(`${server.baseUrl}/s2s/v1.0/client/credit`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    record('security headers, no CORS');
  });
});
