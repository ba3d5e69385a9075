import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server?.close());

/** Mean absolute difference per channel between two same-size images. */
async function meanAbsDiff(a: Buffer, b: Buffer): Promise<number> {
  const ra = await sharp(a).removeAlpha().raw().toBuffer();
  const rb = await sharp(b).removeAlpha().raw().toBuffer();
  assert.equal(ra.length, rb.length);
  let sum = 0;
  for (let i = 0; i < ra.length; i++) sum += Math.abs(ra[i] - rb[i]);
  return sum / ra.length;
}

test('a YCE client runs color correction end to end and is charged once', async () => {
  // A colour cast the correction must remove: the real photo with its blue channel pushed up.
  const original = testPhoto('coffee.png');
  const cast = await sharp(original).linear([0.8, 0.9, 1.25], [0, 0, 10]).png().toBuffer();
  const k = await server.app.services.keys.create('e2e');
  await server.app.services.credits.grant(k.clientId, 10, 'PaygToken', Date.now() + 86400_000);

  // Auth exactly as a YCE client: RSA PKCS#1 v1.5 of client_id=...&timestamp=... under the base64 SPKI secret.
  const { TestClient } = await import('../helpers/harness.js');
  const client = new TestClient(server.baseUrl, k.clientId, k.clientSecret, Date.now);
  const authRes = await client.api('POST', '/s2s/v1.0/client/auth', { client_id: k.clientId, id_token: client.idToken() }, false);
  assert.equal(authRes.status, 200);
  assert.equal(authRes.body.status, 200);
  assert.match(authRes.body.result.access_token, /^[A-Za-z0-9_-]{20,}$/);
  client.token = authRes.body.result.access_token;

  const credit = await client.api('GET', '/s2s/v1.0/client/credit');
  assert.equal(credit.status, 200);
  assert.deepEqual(credit.body.results.map((l: { amount: number; type: string }) => [l.amount, l.type]), [[10, 'PaygToken']]);

  const fileRes = await client.api('POST', '/s2s/v1.1/file/color-correct', { files: [{ content_type: 'image/png', file_name: 'coffee.png', file_size: cast.length }] });
  assert.equal(fileRes.status, 200);
  const slot = fileRes.body.result.files[0];
  assert.equal(slot.content_type, 'image/png');
  assert.equal(slot.requests[0].method, 'PUT');
  assert.equal(slot.requests[0].headers['Content-Type'], 'image/png');
  const put = await fetch(slot.requests[0].url, { method: 'PUT', headers: slot.requests[0].headers, body: new Uint8Array(cast) });
  assert.equal(put.status, 200);

  const created = await client.createTask('color-correct', { src_ids: [slot.file_id] }, undefined, 7);
  assert.equal(created.status, 200);
  const taskId = created.body.result.task_id;
  const result = await client.waitForTask('color-correct', taskId);
  assert.equal(result.status, 'success', JSON.stringify(result));
  assert.equal(result.error, null);
  const first = result.results[0].data[0];
  assert.equal(typeof first.dst_id, 'string');
  const out = await client.download(first.url);

  const meta = await sharp(out).metadata();
  const inMeta = await sharp(cast).metadata();
  assert.equal(meta.width, inMeta.width);
  assert.equal(meta.height, inMeta.height);
  assert.ok((await meanAbsDiff(out, cast)) > 3, 'the result differs measurably from the input');
  // The cast is corrected: the result is nearer the original photo than the cast input. The engine corrects
  // a strong apparent cast only partly (a strong cast may be the scene's own colour), so the bound is modest.
  const castDistance = await meanAbsDiff(cast, original);
  const correctedDistance = await meanAbsDiff(out, original);
  assert.ok(correctedDistance < castDistance * 0.85, `distance to the original ${castDistance} -> ${correctedDistance}`);

  const history = await client.api('GET', '/s2s/v1.0/client/credit/history');
  assert.equal(history.status, 200);
  const charges = history.body.result.history.filter((h: { target_id: string }) => h.target_id === taskId);
  assert.equal(charges.length, 1);
  assert.equal(charges[0].action, 'api_color_correction');
  assert.deepEqual(charges[0].info.credits.map((c: { amount: number }) => c.amount), [-1]);
  const balance = await client.api('GET', '/s2s/v1.0/client/credit');
  assert.equal(balance.body.results[0].amount, 9);

  // Polling the finished task again neither runs nor charges anything again.
  const again = await client.poll('color-correct', taskId);
  assert.equal(again.body.result.status, 'success');
  const history2 = await client.api('GET', '/s2s/v1.0/client/credit/history');
  assert.equal(history2.body.result.history.filter((h: { target_id: string }) => h.target_id === taskId).length, 1);
});
