import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisQueue } from '../../src/tasks/redis-queue.js';
import { createTestRedis } from './support/services.js';

let redis: { url: string; flush(): Promise<void> };
const queues: RedisQueue[] = [];
/** Each test its own key prefix: a consumer of one test never takes another test's jobs. */
const open = (prefix: string, concurrency = 2) => {
  const q = new RedisQueue(redis.url, { concurrency, lockDurationMs: 5000, maxStalledCount: 1, prefix });
  queues.push(q);
  return q;
};
before(async () => {
  redis = await createTestRedis(11);
});
after(async () => {
  for (const q of queues) await q.close();
  await redis?.flush();
});

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('jobs enqueued by one process run in another; enqueueing a queued task twice runs it once', async () => {
  const api = open('t1');
  const worker = open('t1', 2);
  const seen: string[] = [];
  const allDone = deferred();
  await worker.consume(async (taskId) => {
    seen.push(taskId);
    if (seen.length === 3) allDone.resolve();
  });
  await api.enqueue('task-a', 'color-correct');
  await api.enqueue('task-b', 'color-correct');
  await api.enqueue('task-c', 'color-correct');
  await allDone.promise;
  assert.deepEqual([...seen].sort(), ['task-a', 'task-b', 'task-c']);
  // Graceful close waits for the running jobs to be acknowledged.
  await worker.close();
  assert.equal(await api.depth(), 0);
  await api.check();
});

test('a queued task is deduplicated while its job exists', async () => {
  const api = open('t2');
  await api.enqueue('dup-1', 'color-correct');
  await api.enqueue('dup-1', 'color-correct');
  assert.equal(await api.depth(), 1, 'one job for one task id, however often it is enqueued');
  await api.cancel('dup-1');
  assert.equal(await api.depth(), 0, 'cancelling a waiting task removes its job');
});

test('cancelling from another process aborts the running task through pub/sub', async () => {
  const api = open('t3');
  const worker = open('t3', 1);
  const started = deferred();
  const aborted = deferred<string>();
  await worker.consume(async (taskId, signal) => {
    if (taskId !== 'long-1') return;
    started.resolve();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    aborted.resolve(String((signal.reason as Error)?.message));
  });
  await api.enqueue('long-1', 'color-correct');
  await started.promise;
  assert.equal(worker.runningHere, 1);
  await api.cancel('long-1');
  assert.equal(await aborted.promise, 'task cancelled');
});

test('check() fails when Redis cannot be reached', async () => {
  const broken = new RedisQueue('redis://127.0.0.1:9', { concurrency: 1, lockDurationMs: 5000, maxStalledCount: 1, prefix: 'dr-queue-test' });
  await assert.rejects(broken.check());
  await broken.close();
});
