/**
 * Issue 14, findings 2 and 5: params bounded before any hashing, ids of exactly one JSON type,
 * wrong-typed file id lists and over-long requests answered in the envelope.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { ApiError, statusOf } from '../../src/api/errors.js';
import { assertBoundedParams, MAX_PARAMS_DEPTH, MAX_PARAMS_KEYS } from '../../src/features/params-bounds.js';
import { canonicalJson } from '../../src/util/ids.js';
import { startTestServer, testPhoto, type TestClient, type TestServer } from '../helpers/harness.js';

const nestedObject = (levels: number): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 1; i < levels; i++) at = (at.a = {}) as Record<string, unknown>;
  return root;
};
const nestedArray = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
const refused = (fn: () => void) => assert.throws(fn, (e: unknown) => e instanceof ApiError && e.code === 'InvalidParameters' && statusOf(e) === 400);

test('params: 32 levels and 64 keys pass; 33 levels, 65 keys or a 100 000-deep array are refused without recursion', () => {
  assertBoundedParams(nestedObject(MAX_PARAMS_DEPTH));
  assertBoundedParams({ list: [[[[1]]]], ...Object.fromEntries(Array.from({ length: MAX_PARAMS_KEYS - 1 }, (_, i) => [`k${i}`, i])) });
  refused(() => assertBoundedParams(nestedObject(MAX_PARAMS_DEPTH + 1)));
  refused(() => assertBoundedParams({ x: nestedArray(MAX_PARAMS_DEPTH) }));
  refused(() => assertBoundedParams(Object.fromEntries(Array.from({ length: MAX_PARAMS_KEYS + 1 }, (_, i) => [`k${i}`, i]))));
  refused(() => assertBoundedParams({ a: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])), b: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i])) }));
  refused(() => assertBoundedParams({ x: nestedArray(100_000) }));
});

test('canonicalJson refuses depth itself instead of overflowing the stack', () => {
  assert.throws(() => canonicalJson(nestedArray(10_000)), (e: Error) => !(e instanceof RangeError) && /nested deeper/.test(e.message));
  assert.equal(canonicalJson({ b: [1, { d: 2, c: 3 }], a: null }), '{"a":null,"b":[1,{"c":3,"d":2}]}');
});

let server: TestServer;
let c: TestClient;
let fileId: string;
before(async () => {
  server = await startTestServer();
  c = await server.newClient(50);
  fileId = await c.upload('color-correct', await sharp(testPhoto('fruits.jpg')).resize(96).jpeg().toBuffer());
});
after(async () => server?.close());

const raw = (body: string) => c.api('POST', '/s2s/v1.0/task/color-correct', JSON.parse(body));

test('the issue\'s 6.5 KB body (params holding an array nested 3 300 deep) is a 400, not a 500', async () => {
  const body = `{"request_id":1,"payload":{"file_sets":{"src_ids":["${fileId}"]},"actions":[{"id":0,"params":{"x":${'['.repeat(3300)}${']'.repeat(3300)}}}]}}`;
  const r = await raw(body);
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.ok(['InvalidParameters', 'BadRequest'].includes(r.body.error_code), r.body.error_code);
});

test('request_id true and " 1" are refused, so they can no longer meet on one idempotency key', async () => {
  for (const rid of ['true', '" 1"', 'null', '"1e3"', '"0"', '9007199254740993']) {
    const r = await raw(`{"request_id":${rid},"payload":{"file_sets":{"src_ids":["${fileId}"]},"actions":[{"id":0}]}}`);
    assert.equal(r.status, 400, `request_id ${rid}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error_code, 'InvalidParameters');
    assert.match(r.body.error, /request_id/);
  }
  for (const id of ['"0"', '9223372036854775808', 'true']) {
    const r = await raw(`{"request_id":1,"payload":{"file_sets":{"src_ids":["${fileId}"]},"actions":[{"id":${id}}]}}`);
    assert.equal(r.status, 400, `action id ${id}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error_code, 'InvalidParameters');
  }
});

test('the largest request_id (2^53−1) and 0 are accepted as JSON integers', async () => {
  for (const rid of [9007199254740991, 0]) {
    const r = await c.api('POST', '/s2s/v1.0/task/color-correct', { request_id: rid, payload: { file_sets: { src_ids: [fileId] }, actions: [{ id: 0 }] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await c.waitForTask('color-correct', r.body.result.task_id);
  }
});

test('src_ids "x" is a 400 InvalidParameters, not an unknown file', async () => {
  for (const ids of ['"x"', '[1]', `"${fileId}"`]) {
    const r = await raw(`{"request_id":2,"payload":{"file_sets":{"src_ids":${ids}},"actions":[{"id":0}]}}`);
    assert.equal(r.status, 400, `src_ids ${ids}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error_code, 'InvalidParameters');
  }
});

function rawHttp(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.baseUrl), { headers: { authorization: `Bearer ${c.token}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a 60 KB URL, a 20 KB header and an over-long path parameter answer 431/414 inside the envelope', async () => {
  const long = await rawHttp(`/s2s/v1.0/task/color-correct?task_id=${'a'.repeat(60_000)}`);
  assert.deepEqual([long.status, long.body.status, long.body.error_code], [431, 431, 'HeaderFieldsTooLarge']);
  const header = await rawHttp('/s2s/v1.0/client/credit', { 'x-padding': 'p'.repeat(20_000) });
  assert.deepEqual([header.status, header.body.status, header.body.error_code], [431, 431, 'HeaderFieldsTooLarge']);
  const param = await rawHttp(`/static/styles/${'1'.repeat(200)}.png`);
  assert.deepEqual([param.status, param.body.status, param.body.error_code], [414, 414, 'UriTooLong']);
  assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200, 'the server still answers');
});
