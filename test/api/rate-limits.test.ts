import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, TestClient } from '../helpers/harness.js';

test('per IP: 100 requests per 5 minutes pass, request 101 gets 429 with Retry-After', async () => {
  const server = await startTestServer({ rateLimit: { enabled: true, perIpMax: 100, perTokenMax: 1000 } });
  try {
    const c = new TestClient(server.baseUrl, 'x', '', Date.now);
    for (let i = 1; i <= 100; i++) {
      const r = await c.api('GET', '/s2s/v1.0/client/credit', undefined, false);
      assert.equal(r.status, 401, `request ${i} passes the limit (and fails auth)`);
    }
    const r = await c.api('GET', '/s2s/v1.0/client/credit', undefined, false);
    assert.equal(r.status, 429);
    assert.deepEqual({ status: r.body.status, error: r.body.error }, { status: 429, error: 'Too many requests' });
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  } finally {
    await server.close();
  }
});

test('per access token: 100 requests per minute pass, request 101 gets 429; another token is unaffected', async () => {
  const server = await startTestServer({ rateLimit: { enabled: true, perIpMax: 10_000, perTokenMax: 100 } });
  try {
    const a = await server.newClient(0);
    const b = await server.newClient(0);
    for (let i = 1; i <= 100; i++) assert.equal((await a.api('GET', '/s2s/v1.0/client/credit')).status, 200, `request ${i}`);
    const over = await a.api('GET', '/s2s/v1.0/client/credit');
    assert.equal(over.status, 429);
    assert.ok(over.headers.get('retry-after'));
    assert.equal((await b.api('GET', '/s2s/v1.0/client/credit')).status, 200);
  } finally {
    await server.close();
  }
});
