import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestClient, type TestServer } from '../helpers/harness.js';

let server: TestServer;
let c: TestClient;
before(async () => {
  server = await startTestServer({ runEngines: false });
  c = await server.newClient(5);
});
after(async () => server?.close());

async function raw(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}) {
  const r = await fetch(`${server.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${c.token}`, ...headers }, body });
  const text = await r.text();
  return { status: r.status, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
}

const json = { 'content-type': 'application/json' };
const cases: [string, string, string, string | undefined, Record<string, string>, number, string][] = [
  ['malformed JSON', 'POST', '/s2s/v1.0/task/enhance', '{"request_id": 0,', json, 400, 'BadRequest'],
  ['empty JSON body', 'POST', '/s2s/v1.0/task/enhance', '', json, 400, 'BadRequest'],
  ['not JSON content type', 'POST', '/s2s/v1.0/task/enhance', 'request_id=0', { 'content-type': 'application/x-www-form-urlencoded' }, 400, 'BadRequest'],
  ['missing payload', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0}', json, 400, 'InvalidParameters'],
  ['missing request_id', 'POST', '/s2s/v1.0/task/enhance', '{"payload":{"actions":[{"id":0}]}}', json, 400, 'InvalidParameters'],
  ['request_id of the wrong type', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":{"a":1},"payload":{"actions":[{"id":0}]}}', json, 400, 'InvalidParameters'],
  ['negative request_id', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":-1,"payload":{"actions":[{"id":0}]}}', json, 400, 'InvalidParameters'],
  ['two actions', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"payload":{"file_sets":{"src_ids":["a"]},"actions":[{"id":0},{"id":1}]}}', json, 400, 'InvalidParameters'],
  ['no actions', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"payload":{"file_sets":{"src_ids":["a"]},"actions":[]}}', json, 400, 'InvalidParameters'],
  ['unexpected top-level field', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"bogus":1,"payload":{"actions":[{"id":0}]}}', json, 400, 'BadRequest'],
  ['unexpected file set', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"payload":{"file_sets":{"src_ids":["a"],"ref_ids":["b"]},"actions":[{"id":0}]}}', json, 400, 'BadRequest'],
  ['file set not an array', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"payload":{"file_sets":{"src_ids":{"a":1}},"actions":[{"id":0}]}}', json, 400, 'InvalidParameters'],
  ['missing required file set', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"payload":{"file_sets":{},"actions":[{"id":0}]}}', json, 400, 'InvalidParameters'],
  ['bad output_ext', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"payload":{"file_sets":{"src_ids":["a"]},"actions":[{"id":0}],"output_ext":"gif"}}', json, 400, 'InvalidParameters'],
  ['params of the wrong type', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"payload":{"file_sets":{"src_ids":["a"]},"actions":[{"id":0,"params":{"scale":"big"}}]}}', json, 400, 'InvalidParameters'],
  ['unknown file id', 'POST', '/s2s/v1.0/task/enhance', '{"request_id":0,"payload":{"file_sets":{"src_ids":["nope"]},"actions":[{"id":0}]}}', json, 404, 'InvalidFileId'],
  ['deeply nested JSON', 'POST', '/s2s/v1.0/task/enhance', `{"request_id":0,"payload":{"actions":[{"id":0,"params":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}]}}`, json, 400, 'InvalidParameters'],
  ['body over 1 MB', 'POST', '/s2s/v1.0/task/enhance', `{"request_id":0,"payload":{"actions":[{"id":0,"params":{"x":"${'a'.repeat(1_100_000)}"}}]}}`, json, 413, 'PayloadTooLarge'],
  ['file request without files', 'POST', '/s2s/v1.1/file/enhance', '{"files":[]}', json, 400, 'InvalidParameters'],
  ['file request with a negative size', 'POST', '/s2s/v1.1/file/enhance', '{"files":[{"content_type":"image/png","file_name":"a","file_size":-1}]}', json, 400, 'InvalidParameters'],
  ['file request with an unknown content type', 'POST', '/s2s/v1.1/file/enhance', '{"files":[{"content_type":"text/html","file_name":"a"}]}', json, 400, 'ContentTypeNotSupported'],
  ['file request for a feature without files', 'POST', '/s2s/v1.1/file/text-to-image', '{"files":[{"content_type":"image/png","file_name":"a"}]}', json, 404, 'NotFound'],
  ['poll without task_id', 'GET', '/s2s/v1.0/task/enhance', undefined, {}, 400, 'InvalidParameters'],
  ['poll of an unknown task', 'GET', '/s2s/v1.0/task/enhance?task_id=abc', undefined, {}, 404, 'InvalidTaskId'],
  ['history page_size 0', 'GET', '/s2s/v1.0/client/credit/history?page_size=0', undefined, {}, 400, 'InvalidParameters'],
  ['history page_size 31', 'GET', '/s2s/v1.0/client/credit/history?page_size=31', undefined, {}, 400, 'InvalidParameters'],
  ['history bad token', 'GET', '/s2s/v1.0/client/credit/history?starting_token=abc', undefined, {}, 400, 'InvalidParameters'],
  ['unknown feature', 'POST', '/s2s/v1.0/task/teleport', '{}', json, 404, 'NotFound'],
  ['unknown route', 'GET', '/nothing/here', undefined, {}, 404, 'NotFound'],
  ['auth with extra field', 'POST', '/s2s/v1.0/client/auth', '{"client_id":"a","id_token":"b","x":1}', json, 400, 'BadRequest'],
  ['auth without id_token', 'POST', '/s2s/v1.0/client/auth', '{"client_id":"a"}', json, 400, 'InvalidParameters'],
];

for (const [name, method, path, body, headers, status, code] of cases) {
  test(`${name} → ${status} ${code}`, async () => {
    const r = await raw(method, path, body, headers);
    assert.equal(r.status, status, r.text.slice(0, 300));
    assert.ok(r.json, `answers JSON: ${r.text.slice(0, 200)}`);
    assert.equal(r.json.status, status);
    assert.equal(r.json.error_code, code, r.text.slice(0, 300));
    assert.equal(typeof r.json.error, 'string');
    assert.doesNotMatch(r.text, /at .*\.(ts|js):\d+|node_modules|SQLITE/);
  });
}

test('the server is still healthy after all of that', async () => {
  assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);
  assert.equal((await c.api('GET', '/s2s/v1.0/client/credit')).status, 200);
});
