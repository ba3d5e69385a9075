/**
 * Fair scheduling between keys (issue 14, finding 1): one key's queue of heavy tasks must not stall
 * another key's task. Ordering is asserted, never timing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { FairOrder } from '../../src/tasks/fair-order.js';
import { InProcessQueue } from '../../src/tasks/in-process-queue.js';
import { ManualClock } from '../../src/util/clock.js';
import type { TaskHandler } from '../../src/tasks/queue.js';
import { startTestServer, testPhoto } from '../helpers/harness.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('FairOrder: keys with queued work take turns; a key alone uses every slot', () => {
  const order = new FairOrder(1);
  for (let i = 1; i <= 3; i++) order.push('A', `A${i}`);
  // A alone: it may take a second slot.
  assert.equal(order.next()?.taskId, 'A1');
  assert.equal(order.next()?.taskId, 'A2');
  order.push('B', 'B1');
  order.push('B', 'B2');
  order.push('C', 'C1');
  // B and C are below their cap, A is above it: they go first, in turn.
  assert.equal(order.next()?.taskId, 'B1');
  assert.equal(order.next()?.taskId, 'C1');
  // Every waiting key is at its cap now: the one running fewest (B: 1, A: 2) goes over it.
  assert.equal(order.next()?.taskId, 'B2');
  assert.equal(order.next()?.taskId, 'A3');
  assert.equal(order.next(), undefined);
});

test('FairOrder: a key over its cap leaves the last free slot to another key active within the window', () => {
  const clock = new ManualClock(1_000_000);
  const order = new FairOrder(1, 60_000, clock);
  for (let i = 1; i <= 4; i++) order.push('A', `A${i}`);
  assert.equal(order.next(2)?.taskId, 'A1');
  assert.equal(order.next(1)?.taskId, 'A2', 'alone, A takes the last slot too');
  // B queues and runs one light task while A holds a slot.
  order.finished('A');
  order.push('B', 'B1');
  assert.equal(order.next(1)?.taskId, 'B1');
  order.finished('B');
  // B is between tasks: with 1 slot free, A (at its cap) must leave it to B ...
  assert.equal(order.next(1), undefined, 'the last slot is kept for B');
  // ... but may still use a slot beyond the last one.
  assert.equal(order.next(2)?.taskId, 'A3');
  order.finished('A');
  // B's next task starts at once.
  order.push('B', 'B2');
  assert.equal(order.next(1)?.taskId, 'B2');
  order.finished('B');
  // Once B has been quiet for the window, A may take every slot again.
  clock.advance(60_001);
  assert.equal(order.next(1)?.taskId, 'A4');
});

test('in-process queue: a second key\'s task starts before the first key\'s queued tasks (test-only slow handler)', async () => {
  const queue = new InProcessQueue(2, 1);
  const starts: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred>>();
  const handler: TaskHandler = async (taskId) => {
    starts.push(taskId);
    const gate = deferred();
    gates.set(taskId, gate);
    await gate.promise;
  };
  await queue.consume(handler);
  for (let i = 1; i <= 10; i++) await queue.enqueue(`A${i}`, 'color-correct', 'key-a');
  assert.deepEqual(starts, ['A1', 'A2'], 'key A alone takes both slots');
  await queue.enqueue('B1', 'color-correct', 'key-b');
  gates.get('A1')!.resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(starts, ['A1', 'A2', 'B1'], 'the freed slot goes to key B, not to A3');
  // While B waits again, A keeps one slot; once B is done A takes both again.
  await queue.enqueue('B2', 'color-correct', 'key-b');
  gates.get('A2')!.resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(starts.slice(3), ['A3'], 'A keeps its one slot while B runs one (its cap)');
  gates.get('B1')!.resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(starts.slice(4), ['B2']);
  for (;;) {
    const open = [...gates.entries()].filter(([id]) => starts.includes(id));
    for (const [, g] of open) g.resolve();
    await new Promise((r) => setImmediate(r));
    if (starts.length === 12 && (await queue.depth()) === 0) break;
  }
  assert.deepEqual(starts.filter((s) => s.startsWith('A')), Array.from({ length: 10 }, (_, i) => `A${i + 1}`), 'a key\'s own tasks keep their order');
  await queue.close();
});

test('embedded server with real engines: key B\'s light task starts before key A\'s later heavy tasks', async () => {
  const queue = new InProcessQueue(2, 1);
  const starts: string[] = [];
  const consume = queue.consume.bind(queue);
  queue.consume = (handler) => consume((taskId, signal) => (starts.push(taskId), handler(taskId, signal)));
  const server = await startTestServer({}, { queue });
  try {
    const a = await server.newClient(100);
    const b = await server.newClient(100);
    const heavy = testPhoto('building.jpg');
    const light = await sharp(testPhoto('fruits.jpg')).resize(256).jpeg().toBuffer();
    const aIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const src = await a.upload('color-correct', heavy);
      const r = await a.createTask('color-correct', { src_ids: [src] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      aIds.push(r.body.result.task_id);
    }
    const bSrc = await b.upload('color-correct', light);
    const bTask = await b.createTask('color-correct', { src_ids: [bSrc] });
    assert.equal(bTask.status, 200, JSON.stringify(bTask.body));
    const bId = bTask.body.result.task_id;
    const results = await Promise.all([...aIds.map((id) => a.waitForTask('color-correct', id)), b.waitForTask('color-correct', bId)]);
    assert.ok(results.every((r) => r.status === 'success'), JSON.stringify(results.map((r) => r.error_message)));
    const bAt = starts.indexOf(bId);
    assert.ok(bAt >= 0 && bAt <= 2, `B started ${bAt + 1}th of ${starts.length}: it must take the first slot A frees`);
    assert.ok(aIds.slice(3).every((id) => starts.indexOf(id) > bAt), 'A\'s later tasks start after B\'s');
  } finally {
    await server.close();
  }
});
