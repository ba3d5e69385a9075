/** The SDK's feature map (segments, file sets, parameter names) against a running server's OpenAPI document. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURES, FEATURE_IDS } from '../../sdk/src/index.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
let doc: { paths: Record<string, Record<string, any>> };
before(async () => {
  server = await startTestServer({ runEngines: false });
  doc = await (await fetch(`${server.baseUrl}/docs/json`)).json();
});
after(async () => server?.close());

function taskBody(segment: string): any {
  const op = doc.paths[`/s2s/v1.0/task/${segment}`]?.post;
  assert.ok(op, `POST /s2s/v1.0/task/${segment} is documented`);
  return op.requestBody.content['application/json'].schema;
}

test('every SDK feature has its task, status, cancel and v1.1 file paths on the server', () => {
  for (const id of FEATURE_IDS) {
    const seg = FEATURES[id].segment;
    assert.ok(doc.paths[`/s2s/v1.0/task/${seg}`]?.get, `GET task/${seg}`);
    assert.ok(doc.paths[`/s2s/v1.0/task/${seg}/cancel`]?.post, `cancel ${seg}`);
    if (Object.keys(FEATURES[id].inputs).length > 0) assert.ok(doc.paths[`/s2s/v1.1/file/${seg}`]?.post, `file ${seg}`);
    if (FEATURES[id].hasStyles) assert.ok(doc.paths[`/s2s/v1.0/task/style-group/${seg}`]?.get, `style groups ${seg}`);
  }
});

test('the file sets the SDK fills are the ones each feature documents', () => {
  for (const id of FEATURE_IDS) {
    const body = taskBody(FEATURES[id].segment);
    const fileSets = body.properties.payload.properties.file_sets;
    const documented = Object.keys(fileSets?.properties ?? {}).sort();
    const sdk = Object.values(FEATURES[id].inputs).sort();
    assert.deepEqual(sdk, documented, id);
  }
});

test('the SDK knows exactly the parameters each feature documents', () => {
  for (const id of FEATURE_IDS) {
    const body = taskBody(FEATURES[id].segment);
    const params = body.properties.payload.properties.actions.items.properties.params;
    const documented = Object.keys(params?.properties ?? {}).sort();
    const sdk = [...FEATURES[id].requiredParams, ...(FEATURES[id].optionalParams ?? [])].sort();
    assert.deepEqual(sdk, documented, id);
  }
});

test('callback_url is documented on task creation (the webhook extension the SDK sends)', () => {
  assert.ok(taskBody('color-correct').properties.callback_url);
});
