import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';
import { metric } from './support/metrics-text.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server?.close());

test('/metrics exposes requests, task durations per feature, failures, credits charged and queue depth', async () => {
  const client = await server.newClient(10);
  const ok = await client.runTask('color-correct', { src: testPhoto('fruits.jpg') });
  assert.equal(ok.status, 'success');
  // A JPEG that is cut short: the engine refuses it, and the failure is counted with its code.
  const broken = testPhoto('fruits.jpg').subarray(0, 600);
  const failed = await client.runTask('color-correct', { src: broken, srcType: 'image/jpeg' });
  assert.equal(failed.status, 'error');

  const res = await fetch(`${server.baseUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  const cc = { feature: 'color-correct' };
  assert.equal(metric(text, 'darkroom_task_duration_seconds_count', { ...cc, status: 'success' }), 1);
  assert.equal(metric(text, 'darkroom_task_duration_seconds_count', { ...cc, status: 'error' }), 1);
  assert.ok(metric(text, 'darkroom_task_duration_seconds_sum', { ...cc, status: 'success' }) > 0);
  assert.equal(metric(text, 'darkroom_task_failures_total', { ...cc, error: failed.error }), 1);
  assert.equal(metric(text, 'darkroom_credits_charged_total', cc), 1);
  assert.match(text, /^darkroom_queue_depth\{role="embedded"\} 0$/m);
  // Routes are labelled by pattern, never by raw URL with ids in it.
  assert.ok(metric(text, 'darkroom_http_requests_total', { method: 'GET', route: '/s2s/v1.0/task/color-correct', status: '200' }) >= 2);
  assert.doesNotMatch(text, /task_id=/);
  assert.match(text, /darkroom_process_resident_memory_bytes/);
});
