/** The independent minimal client (no SDK code) runs color correction end to end against Darkroom. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';
// @ts-expect-error plain JavaScript on purpose: it shares nothing with the TypeScript code base.
import { colorCorrect } from './yce-minimal-client.mjs';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server?.close());

test('a client written only from the vendor document gets a corrected photo and pays one credit', async () => {
  const key = await server.newClient(3);
  const photo = await sharp(testPhoto('fruits.jpg')).resize(320).jpeg().toBuffer();
  const { bytes, log } = await colorCorrect({ baseUrl: server.baseUrl, clientId: key.clientId, clientSecret: key.clientSecret, photo });
  const meta = await sharp(bytes).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(meta.width, 320);
  // Every answer it read had the envelope a YCE client expects.
  for (const answer of log) assert.equal(answer.status, 200);
  assert.equal(log.at(-1).result.status, 'success');
  const credit = await key.api('GET', '/s2s/v1.0/client/credit');
  assert.equal(credit.body.results[0].amount, 2);
});
