/** run({ callbackUrl }) against a real Darkroom: a local HTTP listener receives the signed webhook. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import sharp from 'sharp';
import { Client, verifyWebhook } from '../../sdk/src/index.js';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';

let server: TestServer;
let listener: Server;
let hookUrl: string;
const deliveries: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let delivered: () => void = () => {};

before(async () => {
  server = await startTestServer();
  listener = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
      delivered();
    });
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(listener.address() as { port: number }).port}/hook`;
});
after(async () => {
  await server?.close();
  await new Promise((r) => listener?.close(r));
});

test('the task-end webhook arrives and its signature verifies with the key\'s webhook secret', async () => {
  const key = await server.app.services.keys.create('webhook');
  await server.app.services.credits.grant(key.clientId, 5, 'PaygToken', Date.now() + 86400_000);
  const client = new Client({ baseUrl: server.baseUrl, clientId: key.clientId, clientSecret: key.clientSecret });
  const arrived = new Promise<boolean>((resolve) => {
    delivered = () => resolve(true);
    setTimeout(() => resolve(false), 15_000).unref();
  });
  const photo = await sharp(testPhoto('fruits.jpg')).resize(256).jpeg().toBuffer();
  const r = await client.run('color-correct', { src: photo, callbackUrl: hookUrl });
  assert.equal(await arrived, true, 'the server sent no webhook within 15 s of the task ending');

  const d = deliveries[0];
  assert.equal(verifyWebhook(key.webhookSecret, d.headers, d.body), true);
  assert.equal(verifyWebhook(key.webhookSecret, d.headers, d.body.replace(r.taskId, 'x')), false);
  assert.equal(verifyWebhook(`whsec_${Buffer.alloc(24, 7).toString('base64')}`, d.headers, d.body), false);
  const payload = JSON.parse(d.body);
  assert.ok(JSON.stringify(payload).includes(r.taskId), 'the webhook names the task');
});
