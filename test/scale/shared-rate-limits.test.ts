import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { createTestRedis } from './support/services.js';

// Two API instances sharing rate-limit counters through Redis: the limit is the deployment's, not each instance's.
let redis: { url: string; flush(): Promise<void> };
let clients: Redis[] = [];
let servers: TestServer[] = [];
before(async () => {
  redis = await createTestRedis(13);
  clients = [new Redis(redis.url), new Redis(redis.url)];
  const limits = { rateLimit: { enabled: true, perIpMax: 6, perIpWindowMs: 60_000, perTokenMax: 100, perTokenWindowMs: 60_000 } };
  servers = [await startTestServer(limits, { rateLimitRedis: clients[0] }), await startTestServer(limits, { rateLimitRedis: clients[1] })];
});
after(async () => {
  for (const s of servers) await s.close();
  for (const c of clients) c.disconnect();
  await redis?.flush();
});

test('the per-IP limit counts requests to every instance together', async () => {
  const hit = (s: TestServer) => fetch(`${s.baseUrl}/s2s/v1.0/client/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'x', id_token: 'y' }) });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await hit(servers[i % 2])).status);
  assert.ok(statuses.every((s) => s !== 429), `the first 6 requests pass: ${statuses.join(',')}`);
  const seventh = await hit(servers[0]);
  assert.equal(seventh.status, 429, 'instance 0 saw only 3 requests itself, yet the shared count is exhausted');
  assert.ok(Number(seventh.headers.get('retry-after')) > 0);
  assert.equal((await hit(servers[1])).status, 429);
  const keys = await clients[0].keys('darkroom-rl-*');
  assert.ok(keys.length >= 1, 'the counters live in Redis');
});
