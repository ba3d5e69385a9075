/**
 * Fair scheduling through BullMQ against the real Redis (issue 14, finding 1): an API process
 * enqueues, a worker process consumes with a test-only slow handler; ordering is asserted, never timing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisQueue } from '../../src/tasks/redis-queue.js';
import { createTestRedis } from './support/services.js';

let redis: { url: string; flush(): Promise<void> };
const queues: RedisQueue[] = [];
const open = (concurrency: number) => {
  const q = new RedisQueue(redis.url, { concurrency, lockDurationMs: 5000, maxStalledCount: 1, prefix: 'fair', perKeyConcurrency: 1 });
  queues.push(q);
  return q;
};
before(async () => {
  redis = await createTestRedis(14);
});
after(async () => {
  for (const q of queues) await q.close();
  await redis?.flush();
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('BullMQ: key B\'s task takes the first slot key A frees, ahead of A\'s queued tasks', async () => {
  const api = open(1);
  const worker = open(2);
  const starts: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred>>();
  let onStart = () => {};
  await worker.consume(async (taskId) => {
    const gate = deferred();
    gates.set(taskId, gate);
    starts.push(taskId);
    onStart();
    await gate.promise;
  });
  const started = (n: number) =>
    new Promise<void>((resolve) => {
      onStart = () => starts.length >= n && resolve();
      onStart();
    });
  for (let i = 1; i <= 10; i++) await api.enqueue(`A${i}`, 'color-correct', 'key-a');
  await started(2);
  assert.deepEqual(starts, ['A1', 'A2'], 'key A alone takes both slots');
  await api.enqueue('B1', 'color-correct', 'key-b');
  gates.get('A1')!.resolve();
  await started(3);
  assert.equal(starts[2], 'B1', `the freed slot went to ${starts[2]}, not to key B`);
  await api.enqueue('C1', 'color-correct', 'key-c');
  gates.get('A2')!.resolve();
  await started(4);
  assert.equal(starts[3], 'C1', 'a third key also goes ahead of A\'s queue');
  for (let n = 5; n <= 12; n++) {
    for (const [id, g] of gates) if (starts.includes(id)) g.resolve();
    await started(n);
  }
  for (const g of gates.values()) g.resolve();
  assert.deepEqual(starts.filter((s) => s.startsWith('A')), Array.from({ length: 10 }, (_, i) => `A${i + 1}`), 'a key\'s own tasks keep their order');
  await worker.close();
  assert.equal(await api.depth(), 0);
});

test('BullMQ: a task enqueued twice counts once in its key\'s rank, and a cancelled one leaves it', async () => {
  const api = open(1);
  await api.enqueue('D1', 'color-correct', 'key-d');
  await api.enqueue('D1', 'color-correct', 'key-d');
  await api.enqueue('D2', 'color-correct', 'key-d');
  await api.cancel('D1');
  await api.cancel('D2');
  assert.equal(await api.depth(), 0);
  // With nothing of key D in flight, its next task ranks first again.
  await api.enqueue('D3', 'color-correct', 'key-d');
  await api.enqueue('E1', 'color-correct', 'key-e');
  const worker = open(1);
  const starts: string[] = [];
  const done = deferred();
  await worker.consume(async (taskId) => {
    starts.push(taskId);
    if (starts.length === 2) done.resolve();
  });
  await done.promise;
  assert.deepEqual(starts, ['D3', 'E1'], 'equal ranks run in arrival order');
  await worker.close();
});
