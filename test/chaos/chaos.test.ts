import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { testPhoto, type ApiResponse, type TestClient } from '../helpers/harness.js';
import { Cluster } from '../scale/support/cluster.js';
import { createDatabaseIn, startOwnPostgres, startOwnRedis, startOwnS3, type OwnPostgres, type OwnProcessService, type OwnS3 } from '../scale/support/own-services.js';

/**
 * Chaos: one API (engines off) and two workers on a PostgreSQL cluster, Redis and S3 emulator of
 * the suite's own (own ports, temp dirs), one fault at a time under a bounded load. Each scenario:
 * no process exits (but the one killed on purpose), every task created before or during the fault
 * succeeds within two minutes of recovery, each is charged exactly once, every result downloads.
 */
let pgc: OwnPostgres;
let redis: OwnProcessService;
let s3: OwnS3;
const cluster = new Cluster({
  apis: 1,
  workers: 2,
  redisDb: 0,
  name: 'chaos',
  backing: async () => {
    pgc = await startOwnPostgres();
    redis = await startOwnRedis();
    s3 = await startOwnS3();
    return {
      pg: { url: await createDatabaseIn(pgc.url, 'darkroom_chaos'), drop: async () => undefined },
      redis: { url: redis.url, flush: async () => undefined },
      s3: { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, close: async () => undefined },
    };
  },
});

const FEATURE = 'color-correct';
/** Tasks per scenario: enough to keep both workers busy through the fault. */
const TASKS = 16;
const RECOVERY_MS = 120_000;
let photo: Buffer;

before(async () => {
  photo = await sharp(testPhoto('fruits.jpg')).resize(384).jpeg().toBuffer();
  // The logs are counted below: start them empty.
  for (const p of ['api0', 'worker0', 'worker1']) rmSync(logPath(p), { force: true });
  await cluster.start();
});
after(async () => {
  await cluster.close();
  await s3?.close();
  await redis?.close();
  pgc?.close();
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A request retried while the deployment answers 503 or cannot be reached, as a patient client would. */
async function patiently(fn: () => Promise<ApiResponse>, seen?: Set<number>): Promise<ApiResponse> {
  const end = Date.now() + RECOVERY_MS + 60_000;
  for (;;) {
    try {
      const r = await fn();
      seen?.add(r.status);
      if (r.status !== 503) return r;
      assert.equal(r.body.error_code, 'ServiceUnavailable', 'a 503 is in the error envelope');
    } catch {
      seen?.add(0);
    }
    if (Date.now() > end) throw new Error('the deployment did not come back');
    await sleep(300);
  }
}

interface Load {
  client: TestClient;
  taskIds: string[];
  /** Resolves with each task's last poll once every task has ended; polls every 500 ms meanwhile. */
  finished: Promise<any[]>;
}

async function newClient(credits: number): Promise<TestClient> {
  return (await cluster.newClient(credits)).instances[0];
}

async function uploads(client: TestClient, n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, () => client.upload(FEATURE, photo)));
}

async function create(client: TestClient, fileId: string, requestId: number, statuses?: Set<number>): Promise<string> {
  const r = await patiently(() => client.createTask(FEATURE, { src_ids: [fileId] }, undefined, requestId), statuses);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.result.task_id;
}

/** Polls every task until it ends, as a client does (so the 10-s rule holds whatever happens). */
function pollAll(client: TestClient, taskIds: string[]): Promise<any[]> {
  return Promise.all(
    taskIds.map(async (id) => {
      for (;;) {
        const r = await patiently(() => client.poll(FEATURE, id));
        assert.equal(r.status, 200, `task ${id}: ${JSON.stringify(r.body)}`);
        if (r.body.result.status !== 'running') return r.body.result;
        await sleep(500);
      }
    }),
  );
}

async function startLoad(n: number, requestBase: number): Promise<Load & { fileIds: string[] }> {
  const client = await newClient(100);
  const fileIds = await uploads(client, n);
  const taskIds = await Promise.all(fileIds.map((f, i) => create(client, f, requestBase + i)));
  return { client, fileIds, taskIds, finished: pollAll(client, taskIds) };
}

/** The bound: every task ends within two minutes of the service's recovery. */
async function endedAfterRecovery(finished: Promise<any[]>): Promise<any[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('not every task ended within two minutes of the recovery')), RECOVERY_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the fault, and always the recovery: a failed assertion must not leave the service down for the next scenario. */
async function fault(inject: () => Promise<void> | void, during: () => Promise<void>, recover: () => Promise<void> | void): Promise<void> {
  await inject();
  try {
    await during();
  } finally {
    await recover();
  }
}

/** The scenario's invariants: all succeeded, charged once each, downloadable, no process gone. */
async function assertOutcome(client: TestClient, taskIds: string[], results: any[], expectExited: string[] = []): Promise<void> {
  for (const [i, r] of results.entries()) assert.equal(r.status, 'success', `task ${taskIds[i]}: ${JSON.stringify(r)}`);
  const { kysely } = cluster.db;
  const charges = await kysely.selectFrom('credit_history').select(['target_id']).where('target_id', 'in', taskIds).execute();
  const per = new Map<string, number>();
  for (const c of charges) per.set(c.target_id, (per.get(c.target_id) ?? 0) + 1);
  for (const id of taskIds) assert.equal(per.get(id), 1, `task ${id} charged ${per.get(id) ?? 0} times`);
  const price = (await kysely.selectFrom('tasks').select('price').where('id', '=', taskIds[0]).executeTakeFirstOrThrow()).price;
  assert.equal(await cluster.credits.balance(client.clientId), 100 - price * taskIds.length, 'the balance paid for each success once');
  for (const r of results) {
    const url = r.results[0].data[0].url;
    const out = await fetch(url);
    assert.equal(out.status, 200, `result ${url} downloads`);
    assert.ok((await sharp(Buffer.from(await out.arrayBuffer())).metadata()).width! > 0, 'the result is an image');
  }
  assert.deepEqual(cluster.exited(), expectExited, 'no process exited');
}

function logPath(name: string): string {
  return path.resolve(import.meta.dirname, '../../artifacts/scale', `chaos-${name}.log`);
}
const logOf = (name: string) => readFileSync(logPath(name), 'utf8');
const count = (text: string, needle: string) => text.split(needle).length - 1;
/** Waits (at most 30 s) for a process's log to show something; the counts are asserted by the caller. */
async function logShows(name: string, done: (log: string) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done(logOf(name)) && Date.now() < deadline) await sleep(250);
}

test('Redis killed and restarted empty: queued tasks are enqueued again from the database', async () => {
  const load = await startLoad(TASKS, 1000);
  await fault(() => redis.kill(), () => sleep(3000), () => redis.start());
  await assertOutcome(load.client, load.taskIds, await endedAfterRecovery(load.finished));
  for (const p of ['api0', 'worker0', 'worker1']) {
    // A process whose reconnect backoff outlasts the tasks (the other worker ran them) logs its return
    // a moment later, and the log reaches the file asynchronously: wait for it, then count exactly.
    await logShows(p, (log) => count(log, '"queue back"') > 0);
    assert.equal(count(logOf(p), '"queue lost"'), 1, `${p} logs the loss once`);
    assert.equal(count(logOf(p), '"queue back"'), 1, `${p} logs the return once`);
  }
});

test('Redis down while tasks are created: creation answers at once, the tasks run when Redis is back', async () => {
  const client = await newClient(100);
  const fileIds = await uploads(client, TASKS);
  let taskIds: string[] = [];
  let finished!: Promise<any[]>;
  await fault(
    () => redis.kill(),
    async () => {
      // Every creation returns while Redis is still down (it used to hang for the whole outage).
      const created = await Promise.all(fileIds.map((f, i) => client.createTask(FEATURE, { src_ids: [f] }, undefined, 2000 + i)));
      for (const c of created) assert.equal(c.status, 200, JSON.stringify(c.body));
      taskIds = created.map((c) => c.body.result.task_id as string);
      const firstPolls = await Promise.all(taskIds.map((id) => client.poll(FEATURE, id)));
      for (const p of firstPolls) assert.equal(p.body.result?.status, 'running', JSON.stringify(p.body));
      finished = pollAll(client, taskIds);
      await sleep(12_000);
    },
    () => redis.start(),
  );
  await assertOutcome(client, taskIds, await endedAfterRecovery(finished));
});

test('PostgreSQL stopped for 10 s: requests answer 503 meanwhile, every task ends in success after', async () => {
  const load = await startLoad(TASKS, 3000);
  let during!: ApiResponse;
  let ready!: Response;
  let readyBody: { checks?: Record<string, string> } = {};
  await fault(
    () => pgc.stop(),
    async () => {
      // A request during the outage: 503 ServiceUnavailable, and /readyz names the database.
      during = await load.client.createTask(FEATURE, { src_ids: [load.fileIds[0]] }, undefined, 3999);
      ready = await fetch(`${cluster.apiUrls[0]}/readyz`);
      readyBody = (await ready.json()) as typeof readyBody;
      await sleep(10_000);
    },
    () => pgc.start(),
  );
  await assertOutcome(load.client, load.taskIds, await endedAfterRecovery(load.finished));
  assert.equal(during.status, 503, JSON.stringify(during.body));
  assert.equal(during.body.error_code, 'ServiceUnavailable');
  assert.equal(ready.status, 503);
  assert.notEqual(readyBody.checks?.database, 'ok', JSON.stringify(readyBody));
  for (const p of ['api0', 'worker0', 'worker1']) {
    await logShows(p, (log) => count(log, '"database back"') >= count(log, '"database lost"'));
    assert.ok(count(logOf(p), '"database lost"') >= 1, `${p} logs the database loss`);
    assert.equal(count(logOf(p), '"database lost"'), count(logOf(p), '"database back"'), `${p} logs each loss and return once`);
  }
});

test('S3 emulator killed for 10 s: running tasks wait for it and succeed', async () => {
  const load = await startLoad(TASKS, 4000);
  await fault(() => s3.kill(), () => sleep(10_000), () => s3.start());
  await assertOutcome(load.client, load.taskIds, await endedAfterRecovery(load.finished));
});

test('a worker killed mid-task: its tasks run again on the other worker', async () => {
  const load = await startLoad(TASKS, 5000);
  // Wait until the first worker holds a claim, then kill it outright.
  const workerIds = async () => (await cluster.db.kysely.selectFrom('tasks').select('claimed_by').where('id', 'in', load.taskIds).where('status', '=', 'running').where('claimed_by', 'is not', null).execute()).map((t) => t.claimed_by!);
  const pid = String(cluster.workerPid(0));
  for (let i = 0; i < 200 && !(await workerIds()).some((w) => w.includes(`:${pid}:`)); i++) await sleep(50);
  await cluster.killWorker(0);
  await assertOutcome(load.client, load.taskIds, await endedAfterRecovery(load.finished));
  await cluster.startWorker(0);
  assert.deepEqual(cluster.exited(), []);
});
