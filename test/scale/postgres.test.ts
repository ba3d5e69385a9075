import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';
import { TaskClaims, WorkerHeartbeat } from '../../src/tasks/worker-liveness.js';
import { DEFAULTS } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

// The whole API on PostgreSQL (in-process engines): same migrations, same guarantees as SQLite.
let pgdb: TestDatabase;
let server: TestServer;
before(async () => {
  pgdb = await createTestDatabase('darkroom_pg');
  server = await startTestServer({ databaseUrl: pgdb.url, tasks: { concurrency: 2 } });
});
after(async () => {
  await server?.close();
  await pgdb?.drop();
});

test('the server runs on PostgreSQL and timestamps come back as numbers', async () => {
  assert.equal(server.app.services.db.dialect, 'postgres');
  const client = await server.newClient(5);
  const lots = await server.app.services.credits.lots(client.clientId);
  assert.equal(typeof lots[0].expiry, 'number');
  assert.equal(typeof lots[0].id, 'number');
  const res = await client.api('GET', '/s2s/v1.0/client/credit');
  assert.equal(res.status, 200);
  assert.equal(typeof res.body.results[0].expiry, 'number');
  const ready = await client.api('GET', '/readyz');
  assert.equal(ready.status, 200, JSON.stringify(ready.body));
});

test('a color correction task runs end to end on PostgreSQL and is charged once', async () => {
  const client = await server.newClient(3);
  const result = await client.runTask('color-correct', { src: testPhoto('fruits.jpg') });
  assert.equal(result.status, 'success', JSON.stringify(result));
  const out = await client.download(result.results[0].data[0].url);
  assert.ok(out.length > 1000);
  assert.equal(await server.app.services.credits.balance(client.clientId), 2);
  const history = await server.app.services.credits.history(client.clientId, 10);
  assert.equal(history.history.filter((h) => h.action === 'api_color_correction').length, 1);
  assert.equal(typeof history.history[0].timestamp, 'number');
});

test('the same request_id sent 8 times at once creates one task (unique key + client lock)', async () => {
  const client = await server.newClient(10);
  const fileId = await client.upload('color-correct', testPhoto('fruits.jpg'));
  const answers = await Promise.all(Array.from({ length: 8 }, () => client.createTask('color-correct', { src_ids: [fileId] }, undefined, 4242)));
  for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
  const ids = new Set(answers.map((a) => a.body.result.task_id));
  assert.equal(ids.size, 1, 'every answer names the same task');
  const rows = await server.app.services.db.kysely.selectFrom('tasks').select('id').where('client_id', '=', client.clientId).execute();
  assert.equal(rows.length, 1);
  const done = await client.waitForTask('color-correct', [...ids][0]);
  assert.equal(done.status, 'success');
  assert.equal(await server.app.services.credits.balance(client.clientId), 9);
});

test('concurrent tasks never hold more credits than the client has', async () => {
  const client = await server.newClient(3);
  const fileIds = await Promise.all(Array.from({ length: 6 }, () => client.upload('color-correct', testPhoto('fruits.jpg'))));
  const answers = await Promise.all(fileIds.map((id, i) => client.createTask('color-correct', { src_ids: [id] }, undefined, 100 + i)));
  const accepted = answers.filter((a) => a.status === 200);
  const refused = answers.filter((a) => a.status !== 200);
  assert.equal(accepted.length, 3, 'three tasks fit in three credits');
  for (const r of refused) assert.equal(r.body.error_code, 'CreditInsufficiency');
  for (const a of accepted) assert.equal((await client.waitForTask('color-correct', a.body.result.task_id)).status, 'success');
  assert.equal(await server.app.services.credits.balance(client.clientId), 0);
});

test('a running task of a dead worker is released and run again; after too many crashes it fails uncharged', async () => {
  const { db, tasks, queue } = server.app.services;
  const client = await server.newClient(5);
  const fileId = await client.upload('color-correct', testPhoto('fruits.jpg'));
  // A task created while the queue is not looking: insert it through the service, then fake a claim by a dead worker.
  const created = await client.createTask('color-correct', { src_ids: [fileId] }, undefined, 777);
  const taskId = created.body.result.task_id;
  await client.waitForTask('color-correct', taskId);
  await db.kysely.updateTable('tasks').set({ status: 'running', hold: 1, claimed_by: 'ghost:1:x', attempts: 1 }).where('id', '=', taskId).execute();
  // The ghost beat once, long ago (upsert twice exercises onConflict on PostgreSQL).
  const ghost = new WorkerHeartbeat(db, 'ghost:1:x', 1000);
  await ghost.beat();
  await ghost.beat();
  await db.kysely.updateTable('workers').set({ heartbeat_at: Date.now() - 3600_000 }).where('id', '=', 'ghost:1:x').execute();

  const opts = { ...DEFAULTS.tasks.liveness, staleMs: 10_000 };
  const claims = new TaskClaims(db, tasks, server.app.services.clock, opts);
  const report = await claims.recoverOrphaned(queue, { requeueUnclaimed: false });
  assert.deepEqual(report.requeued, [taskId]);
  const done = await client.waitForTask('color-correct', taskId);
  assert.equal(done.status, 'success');
  const row = await tasks.get(taskId);
  assert.equal(row!.attempts, 2);

  // Exhausted: the task fails without charge instead of crashing workers forever.
  await db.kysely.updateTable('tasks').set({ status: 'running', hold: 1, claimed_by: 'ghost:1:x', attempts: 3 }).where('id', '=', taskId).execute();
  const before = await server.app.services.credits.balance(client.clientId);
  const report2 = await claims.recoverOrphaned(queue, { requeueUnclaimed: false });
  assert.deepEqual(report2.failed, [taskId]);
  assert.equal((await tasks.get(taskId))!.status, 'error');
  assert.equal(await server.app.services.credits.balance(client.clientId), before);
  // A live worker's tasks are left alone.
  const live = await sql<{ n: number }>`select count(*)::int as n from workers where heartbeat_at > ${Date.now() - 10_000}`.execute(db.kysely);
  assert.ok(live.rows[0].n >= 1, 'the in-process runner beats');
});
