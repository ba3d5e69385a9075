import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import forge from 'node-forge';
import { encryptIdToken } from '../../src/auth/id-token.js';
import { startTestServer, TestClient, type TestServer } from '../helpers/harness.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({}, { manualClock: true });
});
after(async () => server?.close());

async function exchange(clientId: string, idToken: string) {
  const c = new TestClient(server.baseUrl, clientId, '', () => server.clock!.now());
  return c.api('POST', '/s2s/v1.0/client/auth', { client_id: clientId, id_token: idToken }, false);
}

test('the client_secret is a base64 SPKI RSA public key that YCE clients can load', async () => {
  const k = await server.app.services.keys.create('spki');
  const der = Buffer.from(k.clientSecret, 'base64');
  const pub = forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))));
  assert.ok((pub as forge.pki.rsa.PublicKey).n.bitLength() >= 1024);
  // Wrapped as a PEM PUBLIC KEY, as many clients do, it parses the same.
  const pem = `-----BEGIN PUBLIC KEY-----\n${k.clientSecret.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----`;
  assert.ok(forge.pki.publicKeyFromPem(pem));
});

test('a valid id_token gets a 2-hour token; it expires after 2 hours', async () => {
  const k = await server.app.services.keys.create('ttl');
  const r = await exchange(k.clientId, encryptIdToken(k.clientId, k.clientSecret, server.clock!.now()));
  assert.equal(r.status, 200);
  assert.equal(r.body.result.expires_in, 7200);
  const c = new TestClient(server.baseUrl, k.clientId, k.clientSecret, () => server.clock!.now());
  c.token = r.body.result.access_token;
  assert.equal((await c.api('GET', '/s2s/v1.0/client/credit')).status, 200);
  server.clock!.advance(2 * 3600_000 + 1);
  const expired = await c.api('GET', '/s2s/v1.0/client/credit');
  assert.equal(expired.status, 401);
  assert.deepEqual(expired.body, { status: 401, error: expired.body.error, error_code: 'InvalidAccessToken' });
});

test('forged, stale, replayed, mismatched and garbage id_tokens all get the same 401', async () => {
  const k = await server.app.services.keys.create('bad');
  const other = await server.app.services.keys.create('other');
  const now = server.clock!.now();
  const replay = encryptIdToken(k.clientId, k.clientSecret, now);
  assert.equal((await exchange(k.clientId, replay)).status, 200);
  const cases: [string, string][] = [
    ['replayed', replay],
    ['encrypted with another key', encryptIdToken(k.clientId, other.clientSecret, now)],
    ['another client_id inside', encryptIdToken(other.clientId, k.clientSecret, now + 1)],
    ['timestamp 6 minutes old', encryptIdToken(k.clientId, k.clientSecret, now - 6 * 60_000)],
    ['timestamp 6 minutes ahead', encryptIdToken(k.clientId, k.clientSecret, now + 6 * 60_000)],
    ['not base64', '!!!not-base64!!!'],
    ['random bytes', Buffer.alloc(256, 7).toString('base64')],
    ['truncated', replay.slice(0, 40)],
  ];
  const bodies = new Set<string>();
  for (const [name, token] of cases) {
    const r = await exchange(k.clientId, token);
    assert.equal(r.status, 401, name);
    assert.equal(r.body.error_code, 'InvalidIdToken', name);
    bodies.add(JSON.stringify(r.body));
  }
  const unknown = await exchange('no-such-client', replay);
  assert.equal(unknown.status, 401);
  bodies.add(JSON.stringify(unknown.body));
  assert.equal(bodies.size, 1, 'every failure answers identically (no oracle)');
});

test('revoking a key refuses its tokens at once and its new id_tokens', async () => {
  const c = await server.newClient(0);
  assert.equal((await c.api('GET', '/s2s/v1.0/client/credit')).status, 200);
  await server.app.services.keys.revoke(c.clientId);
  assert.equal((await c.api('GET', '/s2s/v1.0/client/credit')).status, 401);
  server.clock!.advance(1);
  assert.equal((await exchange(c.clientId, c.idToken())).status, 401);
});

test('missing, malformed and unknown bearer tokens answer 401 InvalidAccessToken', async () => {
  const c = new TestClient(server.baseUrl, 'x', '', Date.now);
  for (const h of [{}, { authorization: 'Bearer' }, { authorization: 'Basic abc' }, { authorization: 'Bearer nope' }]) {
    const r = await c.api('GET', '/s2s/v1.0/client/credit', undefined, false, h as Record<string, string>);
    assert.equal(r.status, 401);
    assert.equal(r.body.status, 401);
    assert.equal(r.body.error_code, 'InvalidAccessToken');
  }
});

test('private keys are stored encrypted, never in the clear', async () => {
  const k = await server.app.services.keys.create('at-rest');
  const row = await server.app.services.db.kysely.selectFrom('clients').selectAll().where('id', '=', k.clientId).executeTakeFirstOrThrow();
  assert.ok(!row.private_key_enc.includes('PRIVATE KEY'));
  assert.match(row.private_key_enc, /^v1\./);
});
