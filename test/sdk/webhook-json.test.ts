import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { backoffDelay, parseJson, signWebhook, stringifyJson, verifyWebhook } from '../../sdk/src/index.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = '{"type":"task.ended","task_id":"t1","status":"success"}';

/** Independent signer with node:crypto, following Standard Webhooks. */
function nodeSign(secret: string, id: string, ts: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
}

test('verifyWebhook accepts a Standard Webhooks signature made by another implementation', () => {
  const ts = 1_700_000_000;
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${nodeSign(SECRET, 'msg_1', ts, BODY)}` };
  assert.equal(signWebhook(SECRET, 'msg_1', ts, BODY), nodeSign(SECRET, 'msg_1', ts, BODY));
  const now = () => ts * 1000 + 10_000;
  assert.equal(verifyWebhook(SECRET, headers, BODY, { now }), true);
  assert.equal(verifyWebhook(SECRET, new Headers(headers), new TextEncoder().encode(BODY), { now }), true);
  // Node's IncomingHttpHeaders may hold arrays and mixed case.
  assert.equal(verifyWebhook(SECRET, { 'Webhook-Id': ['msg_1'], 'webhook-timestamp': String(ts), 'webhook-signature': `v1,bogus v1,${nodeSign(SECRET, 'msg_1', ts, BODY)}` }, BODY, { now }), true);
});

test('verifyWebhook rejects tampering, wrong secrets, stale timestamps and missing headers', () => {
  const ts = 1_700_000_000;
  const sig = `v1,${nodeSign(SECRET, 'msg_1', ts, BODY)}`;
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': sig };
  const now = () => ts * 1000;
  assert.equal(verifyWebhook(SECRET, headers, BODY.replace('success', 'error'), { now }), false);
  assert.equal(verifyWebhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', headers, BODY, { now }), false);
  assert.equal(verifyWebhook(SECRET, { ...headers, 'webhook-id': 'msg_2' }, BODY, { now }), false);
  assert.equal(verifyWebhook(SECRET, headers, BODY, { now: () => (ts + 301) * 1000 }), false);
  assert.equal(verifyWebhook(SECRET, headers, BODY, { now: () => (ts + 301) * 1000, toleranceSec: 600 }), true);
  assert.equal(verifyWebhook(SECRET, { ...headers, 'webhook-signature': sig.replace('v1,', 'v2,') }, BODY, { now }), false);
  assert.equal(verifyWebhook(SECRET, { 'webhook-id': 'msg_1', 'webhook-signature': sig }, BODY, { now }), false);
});

test('base64url whsec_ secrets decode like base64 ones', () => {
  const raw = Buffer.from([0xfb, 0xff, 0xbf, 1, 2, 3]);
  const b64 = `whsec_${raw.toString('base64')}`;
  const b64url = `whsec_${raw.toString('base64url')}`;
  assert.notEqual(b64, b64url);
  assert.equal(signWebhook(b64, 'i', 1, 'x'), signWebhook(b64url, 'i', 1, 'x'));
  assert.equal(signWebhook(b64, 'i', 1, 'x'), createHmac('sha256', raw).update('i.1.x').digest('base64'));
});

test('JSON keeps integers beyond 2^53 as exact strings and writes bigints back as numbers', () => {
  const parsed = parseJson('{"a":9007199254740993,"b":12,"s":"9007199254740993000","f":1.5e300,"n":-99999999999999999999,"arr":[1234567890123456789]}') as Record<string, unknown>;
  assert.deepEqual(parsed, { a: '9007199254740993', b: 12, s: '9007199254740993000', f: 1.5e300, n: '-99999999999999999999', arr: ['1234567890123456789'] });
  assert.equal(stringifyJson({ id: 9007199254740993n, s: 'x' }), '{"id":9007199254740993,"s":"x"}');
  // Strings that look like digits inside quotes, with escapes, are left alone.
  assert.deepEqual(parseJson('{"q":"say \\"12345678901234567890\\"","x":1}'), { q: 'say "12345678901234567890"', x: 1 });
});

test('backoff doubles from the base, caps at the max, and jitters within [0.5, 1)', () => {
  const policy = { retries: 10, baseDelayMs: 500, maxDelayMs: 8000 };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, () => 0.999999)), [500, 1000, 2000, 4000, 8000, 8000]);
  assert.deepEqual([0, 1, 2].map((a) => backoffDelay(policy, a, () => 0)), [250, 500, 1000]);
  assert.equal(backoffDelay(policy, 0, () => 0, 20_000), 8000);
  assert.equal(backoffDelay(policy, 3, () => 0.5, 100), 3000);
});
