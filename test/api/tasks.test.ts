import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { MAX_PROMPT_CHARS } from '../../src/features/params.js';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';
import { startFakeA1111, type FakeA1111 } from '../engines/generative/fake-engines.js';

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

describe('the feature contract over HTTP', () => {
  let server: TestServer;
  let fake: FakeA1111;
  before(async () => {
    fake = await startFakeA1111();
    server = await startTestServer({ diffusion: { a1111: [fake.url] }, engines: { nsfw: { enabled: false, threshold: 0.7 } } });
  });
  after(async () => {
    await server?.close();
    await fake?.close();
  });

  const style = { style_group_id: 1001, style_ids: [100101] };
  // A public client's prompt template: 509 characters, over the old 500 limit.
  const clientPrompt = [
    'A highly detailed photograph of a cozy mountain cabin at golden hour, surrounded by tall pine trees',
    'and a crystal clear lake reflecting the warm orange sky, soft volumetric light through the branches,',
    'wisps of smoke rising from a stone chimney, a wooden porch with two rocking chairs and a sleeping dog,',
    'wildflowers in the foreground, snow capped peaks in the distance, shot on a full frame camera with a',
    '35mm lens at f/2.8, natural colors, rich textures, sharp focus, award winning landscape photograph, 8k!!',
  ].join(' ');

  test("a real client's 509-character prompt runs", async () => {
    assert.equal(clientPrompt.length, 509);
    const c = await server.newClient(10);
    const created = await c.createTask('text-to-image', undefined, { prompt: clientPrompt, ...style });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const r = await c.waitForTask('text-to-image', created.body.result.task_id);
    assert.equal(r.status, 'success', JSON.stringify(r));
    assert.ok(String(fake.txt2img.at(-1)!.prompt).includes(clientPrompt), 'the whole prompt reached the backend');
  });

  test('a prompt over the one limit ends the task at creation with invalid_parameter naming prompt, uncharged', async () => {
    const c = await server.newClient(10);
    const sent = fake.txt2img.length;
    const created = await c.createTask('text-to-image', undefined, { prompt: 'x'.repeat(MAX_PROMPT_CHARS + 1), ...style });
    assert.equal(created.status, 200);
    const first = (await c.poll('text-to-image', created.body.result.task_id)).body.result;
    assert.equal(first.status, 'error', 'answered at creation: the first poll already says so');
    assert.equal(first.error, 'invalid_parameter');
    assert.match(first.error_message, /^prompt is 5001 characters; at most 5000/);
    assert.equal(fake.txt2img.length, sent, 'the backend was not called');
    assert.equal(await server.app.services.credits.available(c.clientId), 10);
  });

  const geometry = {
    output_width: 500, output_height: 300, input_x: 100, input_y: 0, input_width: 451, input_height: 300,
    crop_input_x: 0, crop_input_y: 0, crop_input_width: 451, crop_input_height: 300,
  };

  test('a broken cross-field rule is a task error at creation, before any credit hold, even without credits', async () => {
    const c = await server.newClient(0);
    const f = await c.upload('out-paint', testPhoto('chelsea.png'), 'image/png');
    const created = await c.createTask('out-paint', { src_ids: [f] }, geometry);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const first = (await c.poll('out-paint', created.body.result.task_id)).body.result;
    assert.equal(first.status, 'error');
    assert.equal(first.error, 'invalid_parameter');
    assert.match(first.error_message, /^input_width plus input_x must be <= output_width/);
  });

  test('form-style numeric strings are read as numbers; a wrong type is a 400', async () => {
    const c = await server.newClient(10);
    const f = await c.upload('out-paint', testPhoto('chelsea.png'), 'image/png');
    const strings = Object.fromEntries(Object.entries({ ...geometry, output_width: 470, output_height: 310, input_x: 10, input_y: 5 }).map(([k, v]) => [k, String(v)]));
    const created = await c.createTask('out-paint', { src_ids: [f] }, strings);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const r = await c.waitForTask('out-paint', created.body.result.task_id);
    assert.equal(r.status, 'success', JSON.stringify(r));
    const wrong = await c.createTask('out-paint', { src_ids: [f] }, { ...geometry, input_x: 'left' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error_code, 'InvalidParameters');
  });

  test('the API document states the value rules of each param', async () => {
    const doc = await (await fetch(`${server.baseUrl}/docs/json`)).json();
    const params = doc.paths['/s2s/v1.0/task/out-paint'].post.requestBody.content['application/json'].schema.properties.payload.properties.actions.items.properties.params;
    assert.match(params.properties.output_width.description, /Required: an integer from 1 to 4096/);
    const prompt = doc.paths['/s2s/v1.0/task/text-to-image'].post.requestBody.content['application/json'].schema.properties.payload.properties.actions.items.properties.params.properties.prompt;
    assert.match(prompt.description, /at most 5000 characters/);
  });
});
