import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';

const small = async () => sharp(testPhoto('coffee.png')).resize(160).png().toBuffer();

async function charges(server: TestServer, clientId: string, taskId: string) {
  const h = await server.app.services.credits.history(clientId, 30);
  return h.history.filter((e) => e.target_id === taskId);
}

describe('with engines', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.close());

  test('repeating a request_id with the same files returns the same task and charges once', async () => {
    const c = await server.newClient(10);
    const fileId = await c.upload('color-correct', await small(), 'image/png');
    const a = await c.createTask('color-correct', { src_ids: [fileId] }, undefined, 5);
    const done = await c.waitForTask('color-correct', a.body.result.task_id);
    assert.equal(done.status, 'success');
    const b = await c.createTask('color-correct', { src_ids: [fileId] }, undefined, 5);
    assert.equal(b.status, 200);
    assert.equal(b.body.result.task_id, a.body.result.task_id);
    assert.equal((await charges(server, c.clientId, a.body.result.task_id)).length, 1);
    assert.equal(await server.app.services.credits.balance(c.clientId), 9);
  });

  test('the same request_id and files with other params is a 409 conflict', async () => {
    const c = await server.newClient(10);
    const fileId = await c.upload('enhance', await small(), 'image/png');
    const a = await c.createTask('enhance', { src_ids: [fileId] }, { scale: 2 }, 1);
    assert.equal(a.status, 200);
    const b = await c.createTask('enhance', { src_ids: [fileId] }, { scale: 4 }, 1);
    assert.equal(b.status, 409);
    assert.equal(b.body.error_code, 'RequestIdConflict');
    await server.app.services.tasks.cancel(c.clientId, (await import('../../src/features/table.js')).feature('enhance'), a.body.result.task_id);
  });

  test('request_id 0 reused with a new file is a new task, charged again', async () => {
    const c = await server.newClient(10);
    const f1 = await c.upload('color-correct', await small(), 'image/png');
    const f2 = await c.upload('color-correct', await small(), 'image/png');
    const a = await c.createTask('color-correct', { src_ids: [f1] }, undefined, 0);
    const b = await c.createTask('color-correct', { src_ids: [f2] }, undefined, 0);
    assert.notEqual(a.body.result.task_id, b.body.result.task_id);
    assert.equal((await c.waitForTask('color-correct', a.body.result.task_id)).status, 'success');
    assert.equal((await c.waitForTask('color-correct', b.body.result.task_id)).status, 'success');
    assert.equal(await server.app.services.credits.balance(c.clientId), 8);
  });

  test('a task is refused when the balance cannot cover it', async () => {
    const c = await server.newClient(0);
    const f = await c.upload('color-correct', await small(), 'image/png');
    const r = await c.createTask('color-correct', { src_ids: [f] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, 'CreditInsufficiency');
  });

  test('a failed task is not charged and reports the engine error code', async () => {
    const c = await server.newClient(5);
    // A PNG header followed by garbage: accepted at upload (right magic bytes), undecodable by the engine.
    const broken = Buffer.concat([(await small()).subarray(0, 64), Buffer.alloc(200, 1)]);
    const r = await c.runTask('color-correct', { src: broken, srcType: 'image/png' });
    assert.equal(r.status, 'error');
    assert.equal(r.error, 'error_decode_image');
    assert.equal(typeof r.error_message, 'string');
    assert.equal(await server.app.services.credits.balance(c.clientId), 5);
  });

  test('credits are taken from the lot nearest to expiry, then the earliest obtained, spanning lots', async () => {
    const k = await server.app.services.keys.create('lots');
    const credits = server.app.services.credits;
    const day = 86400_000;
    const now = Date.now();
    const late = await credits.grant(k.clientId, 5, 'PaygToken', now + 30 * day);
    const soonA = await credits.grant(k.clientId, 1, 'SubsToken', now + 2 * day);
    const soonB = await credits.grant(k.clientId, 1, 'SubsToken', now + 2 * day);
    const { TestClient } = await import('../helpers/harness.js');
    const c = new TestClient(server.baseUrl, k.clientId, k.clientSecret, Date.now);
    await c.auth();
    const order: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const done = await c.runTask('color-correct', { src: await small() });
      assert.equal(done.status, 'success');
    }
    const h = await credits.history(k.clientId, 30);
    for (const e of h.history.filter((x) => x.action === 'api_color_correction').reverse()) order.push(e.info.credits.map((x) => x.id));
    assert.deepEqual(order, [[soonA.id], [soonB.id], [late.id]]);
    // A price larger than any one lot spans lots in the same order.
    const span = await credits.lockAndRun(k.clientId, (trx) => credits.chargeInTransaction(trx, k.clientId, 3, 'api_color_correction', 'manual'));
    assert.deepEqual(span.credits, [{ id: late.id, amount: -3 }]);
  });

  test('the OpenAPI document lists every feature path', async () => {
    const r = await fetch(`${server.baseUrl}/docs/json`);
    const doc = (await r.json()) as { paths: Record<string, unknown> };
    const { FEATURES } = await import('../../src/features/table.js');
    for (const f of FEATURES) assert.ok(doc.paths[`/s2s/v1.0/task/${f.segments[0]}`], f.id);
  });
});

describe('without engines (tasks stay running)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ runEngines: false }, { manualClock: true });
  });
  after(async () => server?.close());

  test('a task not polled for 10 s is dropped without charge; later polls say so', async () => {
    const c = await server.newClient(5);
    const f = await c.upload('color-correct', await small(), 'image/png');
    const r = await c.createTask('color-correct', { src_ids: [f] });
    const taskId = r.body.result.task_id;
    server.clock!.advance(9_000);
    assert.equal((await c.poll('color-correct', taskId)).body.result.status, 'running');
    server.clock!.advance(9_000);
    assert.equal((await c.poll('color-correct', taskId)).body.result.status, 'running', 'polling keeps it alive');
    server.clock!.advance(10_001);
    assert.deepEqual(await server.app.services.tasks.sweepAbandoned(), [taskId]);
    const after = await c.poll('color-correct', taskId);
    assert.equal(after.status, 400);
    assert.equal(after.body.error_code, 'InvalidTaskId');
    assert.match(after.body.error, /not polled for 10 seconds/);
    // Completing it now (an engine finishing late) charges nothing.
    assert.equal(await server.app.services.tasks.complete(taskId, []), false);
    assert.equal(await server.app.services.credits.balance(c.clientId), 5);
    assert.equal(await server.app.services.credits.available(c.clientId), 5, 'the hold is released');
  });

  test('concurrent task creation never holds more than the balance', async () => {
    const c = await server.newClient(3);
    const f = await c.upload('color-correct', await small(), 'image/png');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.createTask('color-correct', { src_ids: [f] }, undefined, 100 + i)));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 400 && r.body.error_code === 'CreditInsufficiency');
    assert.equal(ok.length, 3);
    assert.equal(refused.length, 9);
    // Completing all accepted tasks at once charges exactly the balance, never below zero.
    const tasks = server.app.services.tasks;
    await Promise.all(ok.map((r) => tasks.complete(r.body.result.task_id, [])));
    assert.equal(await server.app.services.credits.balance(c.clientId), 0);
  });

  test('another client cannot see, poll, cancel or use my task and files', async () => {
    const me = await server.newClient(5);
    const other = await server.newClient(5);
    const f = await me.upload('color-correct', await small(), 'image/png');
    const r = await me.createTask('color-correct', { src_ids: [f] });
    const taskId = r.body.result.task_id;
    const poll = await other.poll('color-correct', taskId);
    const unknown = await other.poll('color-correct', 'no-such-task');
    assert.equal(poll.status, 404);
    assert.deepEqual(poll.body, { ...unknown.body, error: poll.body.error });
    assert.equal((await other.api('POST', `/s2s/v1.0/task/color-correct/cancel?task_id=${taskId}`)).status, 404);
    const use = await other.createTask('color-correct', { src_ids: [f] });
    assert.equal(use.status, 404);
    assert.equal(use.body.error_code, 'InvalidFileId');
    // And a task polled on another feature path is unknown there.
    assert.equal((await me.poll('enhance', taskId)).status, 404);
  });

  test('cancelling a running task ends it without charge', async () => {
    const c = await server.newClient(2);
    const f = await c.upload('color-correct', await small(), 'image/png');
    const taskId = (await c.createTask('color-correct', { src_ids: [f] })).body.result.task_id;
    const r = await c.api('POST', `/s2s/v1.0/task/color-correct/cancel?task_id=${taskId}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.result.status, 'cancelled');
    assert.equal((await c.poll('color-correct', taskId)).body.error_code, 'InvalidTaskId');
    assert.equal(await server.app.services.credits.available(c.clientId), 2);
  });

  test('text-to-image: request_id 0 with a new prompt is a new task; the same prompt is the same task', async () => {
    const c = await server.newClient(10);
    const a = await c.createTask('text-to-image', undefined, { prompt: 'a red bicycle' }, 0);
    const b = await c.createTask('text-to-image', undefined, { prompt: 'a blue boat' }, 0);
    const again = await c.createTask('text-to-image', undefined, { prompt: 'a red bicycle' }, 0);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.notEqual(a.body.result.task_id, b.body.result.task_id);
    assert.equal(again.body.result.task_id, a.body.result.task_id);
  });

  test('a task on a file that was never uploaded is refused', async () => {
    const c = await server.newClient(2);
    const slot = await c.api('POST', '/s2s/v1.0/file/color-correct', { files: [{ content_type: 'image/png', file_name: 'x.png' }] });
    const r = await c.createTask('color-correct', { src_ids: [slot.body.result.files[0].file_id] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, 'FileNotUploaded');
  });
});
