import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import sharp from 'sharp';
import { openDatabase } from '../../src/db/connect.js';
import { RedisQueue } from '../../src/tasks/redis-queue.js';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';
import { startOwnRedis, startOwnS3, type OwnProcessService, type OwnS3 } from './support/own-services.js';
import { PG_ADMIN_URL, createTestDatabase, type TestDatabase } from './support/services.js';

// Issue 27's findings, one test each, on real PostgreSQL (a database of this file's own on the
// shared server: only its own sessions are ended) and a Redis and S3 emulator of this file's own
// (killed and restarted here; never the machine's shared ones).
let tdb: TestDatabase;
let redis: OwnProcessService;
let s3: OwnS3;
let photo: Buffer;
const servers: TestServer[] = [];

before(async () => {
  tdb = await createTestDatabase('darkroom_outages');
  redis = await startOwnRedis();
  s3 = await startOwnS3();
  photo = await sharp(testPhoto('fruits.jpg')).resize(256).jpeg().toBuffer();
});
after(async () => {
  for (const s of servers) await s.close();
  await s3?.close();
  await redis?.close();
  await tdb?.drop();
});

/** Log lines of one process, to count what it said about an outage. */
function capture() {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  return { log, lines, count: (msg: string) => lines.filter((l) => JSON.parse(l).msg === msg).length };
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What a PostgreSQL restart does to every client: ends its sessions (57P01). */
async function endSessions(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const r = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [new URL(url).pathname.slice(1)]);
  await admin.end();
  return r.rowCount ?? 0;
}

const s3Config = () => ({ driver: 's3' as const, s3: { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, region: 'us-east-1' } });

test('finding 1: PostgreSQL ending its sessions does not kill the process; the pool reconnects; lost and back logged once (finding 4)', { timeout: 180_000 }, async () => {
  const { log, count } = capture();
  const db = await openDatabase(tdb.url, log);
  try {
    // Several pooled connections, idle when the server ends them (an unheard pool 'error' used to crash the process).
    await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(db.kysely)));
    assert.ok((await endSessions(tdb.url)) >= 1);
    await until(() => count('database back') === 1, 'the database counted back');
    assert.deepEqual((await sql<{ one: number }>`select 1 as one`.execute(db.kysely)).rows, [{ one: 1 }]);
    assert.equal(count('database lost'), 1);
    assert.equal(count('database back'), 1);
  } finally {
    await db.close();
  }
});

test('finding 1: a task is not dropped as unpolled right after a database outage (nobody could poll it)', { timeout: 180_000 }, async () => {
  const server = await startTestServer({ databaseUrl: tdb.url, runEngines: false }, { log: pino({ level: 'silent' }) });
  servers.push(server);
  const client = await server.newClient(5);
  const fileId = await client.upload('color-correct', photo);
  const taskId = (await client.createTask('color-correct', { src_ids: [fileId] })).body.result.task_id;
  const { db, tasks } = server.app.services;
  // Its client last polled before the outage, longer ago than the 10-s allowance.
  await db.kysely.updateTable('tasks').set({ last_polled_at: Date.now() - 30_000 }).where('id', '=', taskId).execute();
  await endSessions(tdb.url);
  await until(() => db.health.recoveredAt > 0, 'the outage seen and over');
  assert.deepEqual(await tasks.sweepAbandoned(), [], 'the sweep drops nothing right after the outage');
  const polled = await client.poll('color-correct', taskId);
  assert.equal(polled.status, 200, JSON.stringify(polled.body));
  assert.equal(polled.body.result.status, 'running');
  // Ended here: the next test counts the unclaimed tasks of this database in its queue.
  await db.kysely.updateTable('tasks').set({ status: 'cancelled', hold: 0 }).where('id', '=', taskId).execute();
});

test('finding 2: while Redis is down a task is created at once and kept; it is enqueued as soon as Redis is back, also after a restart that emptied it', { timeout: 180_000 }, async () => {
  await redis.kill();
  const { log, count, lines } = capture();
  const server = await startTestServer({ databaseUrl: tdb.url, redisUrl: redis.url, runEngines: false }, { log });
  servers.push(server);
  const client = await server.newClient(5);
  const fileId = await client.upload('color-correct', photo);
  // It used to hang until Redis came back, then answer an id already dropped as unpolled.
  const created = await client.createTask('color-correct', { src_ids: [fileId] });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const taskId = created.body.result.task_id;
  const polled = await client.poll('color-correct', taskId);
  assert.equal(polled.body.result.status, 'running', JSON.stringify(polled.body));

  const probe = new RedisQueue(redis.url, { concurrency: 1, lockDurationMs: 5000, maxStalledCount: 1, prefix: 'darkroom' });
  try {
    await redis.start();
    await until(async () => (await probe.depth().catch(() => 0)) === 1, `the task enqueued after Redis returned; the server said: ${lines.join('')}`);
    // A restart without persistence loses the job; the database still has the task.
    await redis.kill();
    await redis.start();
    await until(async () => (await probe.depth().catch(() => 0)) === 1, 'the task enqueued again after an empty restart');
    assert.equal((await server.app.services.tasks.get(taskId))?.status, 'running');
    // Finding 4: each loss and return said once (two outages).
    assert.equal(count('queue lost'), 2);
    assert.equal(count('queue back'), 2);
  } finally {
    await probe.close();
  }
});

test('finding 3: a storage blip while tasks run is waited out: every task succeeds, charged once', { timeout: 180_000 }, async () => {
  const common = { databaseUrl: tdb.url, redisUrl: redis.url, storage: s3Config(), tasks: { queue: { prefix: 'blip' } } };
  const api = await startTestServer({ ...common, runEngines: false }, { log: pino({ level: 'silent' }) });
  servers.push(api);
  const client = await api.newClient(10);
  const fileIds = await Promise.all([0, 1, 2].map(() => client.upload('color-correct', photo)));
  const taskIds: string[] = [];
  for (const f of fileIds) taskIds.push((await client.createTask('color-correct', { src_ids: [f] })).body.result.task_id);
  // The client polls all along, as clients do (the 10-s rule).
  const keepPolling = setInterval(() => taskIds.forEach((id) => void client.poll('color-correct', id).catch(() => undefined)), 1000);
  // The store goes away before any worker has read the inputs (these used to fail error_download_image).
  await s3.kill();
  const worker = await startTestServer({ ...common, engines: { workers: 1 } }, { log: pino({ level: 'silent' }), role: 'worker', sweepers: true });
  servers.push(worker);
  await until(async () => (await api.app.services.db.kysely.selectFrom('tasks').select('id').where('id', 'in', taskIds).where('claimed_by', 'is not', null).execute()).length > 0, 'a task claimed while the store is down');
  await new Promise((r) => setTimeout(r, 3000));
  await s3.start();
  for (const id of taskIds) {
    const done = await client.waitForTask('color-correct', id);
    assert.equal(done.status, 'success', JSON.stringify(done));
    assert.equal((await fetch(done.results[0].data[0].url)).status, 200);
  }
  clearInterval(keepPolling);
  assert.equal(await api.app.services.credits.balance(client.clientId), 10 - 3);
});
