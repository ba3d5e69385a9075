import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import { checkCallbackUrl, isPrivateAddress } from '../../src/webhooks/url-policy.js';
import { startTestServer, testPhoto, TestClient, type TestServer } from '../helpers/harness.js';

let server: TestServer;
/** A server with the default policy: private callback addresses refused. */
let refusingServer: TestServer;
before(async () => {
  server = await startTestServer();
  refusingServer = await startTestServer({ webhooks: { allowPrivateNetworks: false } });
});
after(async () => {
  await server?.close();
  await refusingServer?.close();
});

test('a task with callback_url posts one signed event to a real listener when it ends', async () => {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let failFirst = true;
  const listener = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      // The first delivery fails: the retry must carry the same id and a valid signature.
      res.statusCode = failFirst ? 503 : 204;
      failFirst = false;
      res.end();
    });
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as { port: number }).port;
  try {
    const k = await server.app.services.keys.create('hooks');
    await server.app.services.credits.grant(k.clientId, 5, 'PaygToken', Date.now() + 86400_000);
    const c = new TestClient(server.baseUrl, k.clientId, k.clientSecret, Date.now);
    await c.auth();
    const f = await c.upload('color-correct', await sharp(testPhoto('coffee.png')).resize(96).png().toBuffer(), 'image/png');
    const r = await c.api('POST', '/s2s/v1.0/task/color-correct', {
      request_id: 0,
      payload: { file_sets: { src_ids: [f] }, actions: [{ id: 0 }] },
      callback_url: `http://127.0.0.1:${port}/hook`,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const taskId = r.body.result.task_id;
    const until = Date.now() + 60_000;
    while (received.length < 1 && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
    // Retries are due after a backoff: run the sweep the server's timer would run.
    await new Promise((res) => setTimeout(res, 1100));
    await server.app.sweep();
    assert.equal(received.length, 2);
    const [first, second] = received;
    assert.equal(first.headers['webhook-id'], second.headers['webhook-id']);
    for (const d of received) {
      assert.ok(verifyWebhookSignature(k.webhookSecret, String(d.headers['webhook-id']), Number(d.headers['webhook-timestamp']), d.body, String(d.headers['webhook-signature'])));
      assert.ok(!verifyWebhookSignature(k.webhookSecret, String(d.headers['webhook-id']), Number(d.headers['webhook-timestamp']), d.body.replace('success', 'error'), String(d.headers['webhook-signature'])));
    }
    const event = JSON.parse(second.body);
    assert.equal(event.type, 'task.ended');
    assert.equal(event.data.task_id, taskId);
    assert.equal(event.data.status, 'success');
    assert.match(event.data.results[0].data[0].url, /^http/);
    await server.app.sweep();
    assert.equal(received.length, 2, 'a delivered event is not sent again');
  } finally {
    listener.close();
  }
});

test('callback URLs into private networks are refused unless the operator allows them', async () => {
  assert.ok(isPrivateAddress('127.0.0.1'));
  assert.ok(isPrivateAddress('10.1.2.3'));
  assert.ok(isPrivateAddress('192.168.0.1'));
  assert.ok(isPrivateAddress('::1'));
  assert.ok(isPrivateAddress('::ffff:169.254.169.254'));
  assert.ok(isPrivateAddress('::ffff:7f00:1'), 'IPv4-mapped loopback in hex form');
  assert.ok(isPrivateAddress('::7f00:1'), 'IPv4-compatible loopback');
  assert.ok(isPrivateAddress('64:ff9b::a9fe:a9fe'), 'NAT64 of the metadata address');
  assert.ok(!isPrivateAddress('93.184.216.34'));
  assert.ok(!isPrivateAddress('2606:4700:4700::1111'));
  assert.match((await checkCallbackUrl('http://[::ffff:127.0.0.1]:9/x', false))!, /public address/);
  assert.match((await checkCallbackUrl('http://[::ffff:169.254.169.254]/', false))!, /public address/);
  assert.match((await checkCallbackUrl('http://127.0.0.1:9/x', false))!, /public address/);
  assert.match((await checkCallbackUrl('file:///etc/passwd', false))!, /http or https/);
  assert.equal(await checkCallbackUrl('http://127.0.0.1:9/x', true), undefined);
});

/** Issue 14, finding 3: every IPv4-in-IPv6 form is judged by the IPv4 address it reaches. */
const REFUSED = [
  ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
  ['2002:a9fe:a9fe::', '6to4 of the cloud metadata address 169.254.169.254'],
  ['2002:a00:1::', '6to4 of 10.0.0.1'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo whose client (last 32 bits inverted) is 127.0.0.1'],
  ['2001:0:a00:1:8000:63bf:a247:27dd', 'Teredo through a private server 10.0.0.1'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated (::ffff:0:0/96) loopback, dotted'],
  ['::ffff:0:7f00:1', 'IPv4-translated loopback, hex'],
  ['fec0::1', 'deprecated site-local'],
  ['198.18.0.1', 'benchmarking 198.18.0.0/15'],
  ['192.0.0.1', 'IETF protocol assignments 192.0.0.0/24'],
  ['100::1', 'discard-only 100::/64'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
  ['64:ff9b:1::a9fe:a9fe', 'local-use NAT64 64:ff9b:1::/48'],
  ['::a9fe:a9fe', 'IPv4-compatible metadata address'],
  ['::', 'unspecified'],
  ['2001:db8::1', 'documentation'],
  ['4000::1', 'outside 2000::/3 global unicast'],
  ['255.255.255.255', 'broadcast'],
  ['203.0.113.9', 'documentation (TEST-NET-3)'],
] as const;
const ALLOWED = [
  ['93.184.216.34', 'public IPv4'],
  ['2606:4700:4700::1111', 'public IPv6'],
  ['::ffff:93.184.216.34', 'mapped public IPv4'],
  ['2002:5db8:d822::1', '6to4 of a public IPv4'],
  ['2001:0:4136:e378:8000:63bf:a247:27dd', 'Teredo with a public server and client'],
  ['64:ff9b::5db8:d822', 'NAT64 of a public IPv4'],
] as const;

for (const [ip, what] of REFUSED) {
  test(`callback_url to [${ip}] (${what}) is refused, by the classifier and by the task API`, async () => {
    assert.equal(isPrivateAddress(ip), true);
    const host = ip.includes(':') ? `[${ip}]` : ip;
    assert.match((await checkCallbackUrl(`http://${host}/hook`, false))!, /public address/);
    const c = await refusingServer.newClient(5);
    const f = await c.upload('color-correct', await sharp(testPhoto('coffee.png')).resize(64).png().toBuffer(), 'image/png');
    const r = await c.api('POST', '/s2s/v1.0/task/color-correct', { request_id: 0, payload: { file_sets: { src_ids: [f] }, actions: [{ id: 0 }] }, callback_url: `http://${host}/hook` });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error_code, 'InvalidParameters');
  });
}

test('public unicast addresses, also inside IPv6 forms, are allowed', () => {
  for (const [ip, what] of ALLOWED) assert.equal(isPrivateAddress(ip), false, `${ip} (${what})`);
});

test('at connect time a name that resolves to a private address is refused (no DNS-rebinding gap)', async () => {
  const { safeLookup } = await import('../../src/webhooks/url-policy.js');
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => safeLookup('localhost', {}, (e) => resolve(e)));
  assert.equal(err?.code, 'EPRIVATE');
  const { postJson } = await import('../../src/webhooks/post.js');
  const listener = createServer((_req, res) => res.end());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  try {
    const port = (listener.address() as { port: number }).port;
    await assert.rejects(postJson(`http://localhost:${port}/`, {}, '{}', { timeoutMs: 2000, guardAddresses: true }), /private address/);
    assert.equal(await postJson(`http://localhost:${port}/`, {}, '{}', { timeoutMs: 2000, guardAddresses: false }), 200, 'the same call connects without the guard');
  } finally {
    listener.close();
  }
});
