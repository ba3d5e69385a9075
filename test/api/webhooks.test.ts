import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import { checkCallbackUrl, isPrivateAddress } from '../../src/webhooks/url-policy.js';
import { startTestServer, testPhoto, TestClient, type TestServer } from '../helpers/harness.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server?.close());

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
