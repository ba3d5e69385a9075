import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { testPhoto } from '../helpers/harness.js';
import { Cluster, mapLimit, type ClusterClient } from './support/cluster.js';
import { metric } from './support/metrics-text.js';

// Two API instances and two engine workers as separate processes on PostgreSQL + Redis + s3rver.
const cluster = new Cluster({ apis: 2, workers: 2, redisDb: 12, name: 'cluster' });
let photo: Buffer;
before(async () => {
  // A small real photo keeps 200 tasks quick on 2 cores.
  photo = await sharp(testPhoto('fruits.jpg')).resize(256).jpeg().toBuffer();
  await cluster.start();
});
after(async () => cluster.close());

/** Per task: how many success transitions and how many charges were recorded. */
async function ledger(taskIds: string[]) {
  const { kysely } = cluster.db;
  const tasks = await kysely.selectFrom('tasks').select(['id', 'status', 'attempts', 'claimed_by', 'client_id', 'request_id']).where('id', 'in', taskIds).execute();
  const charges = await kysely.selectFrom('credit_history').select(['target_id', 'info']).where('target_id', 'in', taskIds).execute();
  const chargesPer = new Map<string, number>();
  for (const c of charges) chargesPer.set(c.target_id, (chargesPer.get(c.target_id) ?? 0) + 1);
  const charged = charges.reduce((sum, c) => sum + (JSON.parse(c.info) as { credits: { amount: number }[] }).credits.reduce((s, x) => s - x.amount, 0), 0);
  return { tasks, chargesPer, charged };
}

async function workerMetric(name: string, labels: Record<string, string>): Promise<number> {
  let total = 0;
  for (const url of cluster.workerMetricsUrls) total += metric(await fetch(url).then((r) => r.text()), name, labels);
  return total;
}

test('200 tasks from 4 clients through both API instances: each ends once, charged once, run once', async () => {
  const clients: ClusterClient[] = [];
  for (let i = 0; i < 4; i++) clients.push(await cluster.newClient(60));
  const jobs = Array.from({ length: 200 }, (_, i) => ({ client: clients[i % 4], requestId: 1000 + i }));

  const outcomes = await mapLimit(jobs, 24, async ({ client, requestId }, i) => {
    const fileId = await client.upload(photo);
    // Every 10th request is sent to both instances at once: one task must come of it.
    const taskId = i % 10 === 0 ? await client.createEverywhere(fileId, requestId).then((ids) => {
      assert.equal(new Set(ids).size, 1, `request ${requestId} made ${new Set(ids).size} tasks`);
      return ids[0];
    }) : await client.create(fileId, requestId);
    const result = await client.wait(taskId);
    // A repeated request after the end answers with the same task and runs nothing.
    if (i % 25 === 0) assert.equal(await client.create(fileId, requestId), taskId);
    return { taskId, result, clientId: client.clientId };
  });

  const taskIds = outcomes.map((o) => o.taskId);
  assert.equal(new Set(taskIds).size, 200, 'one task per request');
  for (const o of outcomes) assert.equal(o.result.status, 'success', JSON.stringify(o.result));
  const sample = outcomes[7].result.results[0].data[0];
  const out = await fetch(sample.url);
  assert.equal(out.status, 200, 'the result downloads from S3 through its presigned URL');
  assert.equal((await sharp(Buffer.from(await out.arrayBuffer())).metadata()).width, 256);

  const { tasks, chargesPer, charged } = await ledger(taskIds);
  assert.equal(tasks.length, 200);
  for (const t of tasks) {
    assert.equal(t.status, 'success');
    assert.equal(t.attempts, 1, `task ${t.id} ran ${t.attempts} times`);
    assert.equal(chargesPer.get(t.id), 1, `task ${t.id} charged ${chargesPer.get(t.id) ?? 0} times`);
  }
  assert.equal(charged, 200, 'credits charged equal the successful tasks exactly');
  const byClient = await cluster.db.kysely.selectFrom('tasks').select(['client_id', 'request_id']).where('client_id', 'in', clients.map((c) => c.clientId)).execute();
  assert.equal(new Set(byClient.map((r) => `${r.client_id}/${r.request_id}`)).size, byClient.length, 'no request_id has two tasks');
  for (const c of clients) assert.equal(await cluster.credits.balance(c.clientId), 10, 'each client paid exactly its 50 tasks');

  // API instances run no engines (DARKROOM_RUN_ENGINES=false): every task ran in one of the two workers.
  const workersUsed = new Set(tasks.map((t) => Number(t.claimed_by!.split(':')[1])));
  assert.deepEqual([...workersUsed].sort(), [cluster.workerPid(0), cluster.workerPid(1)].sort(), 'both workers, and only they, ran tasks');
  assert.equal(await workerMetric('darkroom_credits_charged_total', { feature: 'color-correct' }), 200, 'worker metrics count the same credits');
  assert.equal(await workerMetric('darkroom_task_duration_seconds_count', { feature: 'color-correct', status: 'success' }), 200);
  const apiMetrics = await fetch(`${cluster.apiUrls[1]}/metrics`).then((r) => r.text());
  assert.match(apiMetrics, /darkroom_http_requests_total\{method="POST",route="\/s2s\/v1.0\/task\/color-correct",status="200",role="api"\} \d+/);
  assert.match(apiMetrics, /darkroom_queue_depth\{role="api"\} 0/);
});

test('kill -9 a worker mid-task and restart an API instance: nothing stuck, lost or charged twice', async () => {
  const clients = [await cluster.newClient(40), await cluster.newClient(40)];
  // Bigger photos so that tasks are caught running when the worker dies.
  const big = await sharp(testPhoto('coffee.png')).resize(1600).jpeg().toBuffer();
  const jobs = Array.from({ length: 40 }, (_, i) => ({ client: clients[i % 2], requestId: 5000 + i }));
  const victim = cluster.workerPid(0);

  let inFlightAtKill: string[] = [];
  const chaos = (async () => {
    // Wait until the victim has just claimed a task (so it is surely mid-run), then kill it without warning.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const justClaimed = await cluster.db.kysely
        .selectFrom('tasks')
        .select('id')
        .where('status', '=', 'running')
        .where('claimed_by', 'like', `%:${victim}:%`)
        .where('claimed_at', '>', Date.now() - 100)
        .execute();
      if (justClaimed.length > 0) {
        await cluster.killWorker(0);
        // What the dead worker still held when it died is what recovery must run again.
        const held = await cluster.db.kysely.selectFrom('tasks').select('id').where('status', '=', 'running').where('claimed_by', 'like', `%:${victim}:%`).execute();
        inFlightAtKill = held.map((r) => r.id);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    // Restart API instance 0 while clients keep creating and polling (they fail over to instance 1).
    await cluster.killApi(0, 'SIGKILL');
    await cluster.startApi(0);
  })();

  const outcomes = await mapLimit(jobs, 8, async ({ client, requestId }) => {
    const fileId = await client.upload(big);
    const taskId = await client.create(fileId, requestId);
    return { taskId, result: await client.wait(taskId) };
  });
  await chaos;
  assert.ok(inFlightAtKill.length > 0, 'the worker was killed while running a task');

  const taskIds = outcomes.map((o) => o.taskId);
  const { tasks, chargesPer, charged } = await ledger(taskIds);
  assert.equal(tasks.length, 40, 'no task lost');
  for (const o of outcomes) assert.equal(o.result.status, 'success', JSON.stringify(o.result));
  for (const t of tasks) {
    assert.notEqual(t.status, 'running');
    assert.equal(chargesPer.get(t.id) ?? 0, t.status === 'success' ? 1 : 0, `task ${t.id} (${t.status}) charged ${chargesPer.get(t.id) ?? 0} times`);
  }
  assert.equal(charged, tasks.filter((t) => t.status === 'success').length);
  for (const id of inFlightAtKill) {
    const t = tasks.find((x) => x.id === id)!;
    assert.ok(t.attempts >= 2, `the killed worker's task ${id} was run again (attempts ${t.attempts})`);
    assert.ok(!t.claimed_by!.includes(`:${victim}:`), 'and finished by another worker');
  }
  for (const c of clients) assert.equal(await cluster.credits.balance(c.clientId), 20);
  const stuck = await sql<{ n: number }>`select count(*)::int as n from tasks where status = 'running'`.execute(cluster.db.kysely);
  assert.equal(stuck.rows[0].n, 0, 'no task left running anywhere');
});

test('a cancel sent to one API instance stops the task on the worker running it, uncharged', async () => {
  const client = await cluster.newClient(5);
  // A 4000 px photo keeps the worker busy long enough to be caught mid-run.
  const big = await sharp(testPhoto('coffee.png')).resize(4000).jpeg({ quality: 80 }).toBuffer();
  const fileId = await client.upload(big);
  const [viaA, viaB] = client.instances;
  const created = await viaA.createTask('color-correct', { src_ids: [fileId] }, undefined, 9001);
  const taskId: string = created.body.result.task_id;
  for (let i = 0; i < 2000; i++) {
    const row = await cluster.db.kysely.selectFrom('tasks').select(['claimed_by', 'status']).where('id', '=', taskId).executeTakeFirstOrThrow();
    if (row.claimed_by || row.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const cancelled = await viaB.api('POST', `/s2s/v1.0/task/color-correct/cancel?task_id=${encodeURIComponent(taskId)}`, {});
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.result.status, 'cancelled');
  // The worker's job ends (its AbortController fired through Redis pub/sub) and stores no result.
  for (let i = 0; i < 200 && (await cluster.queueDepth()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await cluster.queueDepth(), 0, 'no job left running');
  const results = await cluster.db.kysely.selectFrom('files').select('id').where('task_id', '=', taskId).execute();
  assert.equal(results.length, 0, 'a cancelled task stores no result');
  assert.equal(await cluster.credits.balance(client.clientId), 5, 'and is never charged');
  assert.equal((await client.wait(await client.create(await client.upload(photo), 9002))).status, 'success', 'the worker goes on with the next task');
});
