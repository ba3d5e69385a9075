import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryGovernor } from '../../../src/engines/runtime/memory-governor.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';

const KERNEL = new URL('./fixtures/thread-kernel.ts', import.meta.url);
const OTHER = new URL('./fixtures/other-kernel.ts', import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Who = { threadId: number; calls: number };
/** A pool with a governor of its own, whose budget a test may change (0 = none). */
function governed(keepWarmMs = 0) {
  const governor = new MemoryGovernor({ budgetMb: 0, keepWarmMs });
  return { governor, pool: createWorkerPool(1, { governor }) };
}

test('an idle thread exits after idleMs with its module state (models), and the next call starts afresh', async () => {
  const pool = createWorkerPool(1, { idleMs: 100 });
  try {
    const first = await pool.run<Who>(KERNEL, 'whoAmI', {});
    const second = await pool.run<Who>(KERNEL, 'whoAmI', {});
    assert.equal(second.threadId, first.threadId, 'a busy thread is reused');
    assert.equal(second.calls, 2);
    await sleep(1500);
    const later = await pool.run<Who>(KERNEL, 'whoAmI', {});
    assert.notEqual(later.threadId, first.threadId, 'the idle thread was released');
    assert.equal(later.calls, 1, 'what the old thread loaded went with it');
  } finally {
    await pool.destroy();
  }
});

test('idleMs 0 keeps the threads', async () => {
  const pool = createWorkerPool(1, { idleMs: 0 });
  try {
    const first = await pool.run<Who>(KERNEL, 'whoAmI', {});
    await sleep(1500);
    const later = await pool.run<Who>(KERNEL, 'whoAmI', {});
    assert.equal(later.threadId, first.threadId);
    assert.equal(later.calls, 2);
  } finally {
    await pool.destroy();
  }
});

test('a call cancelled while it waits for a thread never runs', async () => {
  const pool = createWorkerPool(1, { idleMs: 0 });
  try {
    const busy = pool.run<Who>(KERNEL, 'whoAmI', {});
    const ac = new AbortController();
    const queued = pool.run<Who>(KERNEL, 'whoAmI', {}, { signal: ac.signal });
    ac.abort();
    await assert.rejects(queued, { name: 'TaskAbortedError' });
    assert.equal((await busy).calls, 1);
    assert.equal((await pool.run<Who>(KERNEL, 'whoAmI', {})).calls, 2, 'the cancelled call did not run, and the thread was kept');
  } finally {
    await pool.destroy();
  }
});

test('the big buffers a call leaves behind are collected once its thread is idle, not when it next runs', async () => {
  const pool = createWorkerPool(1, { idleMs: 0 });
  try {
    assert.equal(await pool.run<number>(KERNEL, 'bigPlanes', {}), 8);
    // The thread collects after a second without calls; V8 then frees swept ArrayBuffers on a
    // background thread: let both finish.
    await sleep(2500);
    const left = await pool.run<number>(KERNEL, 'arrayBufferBytes', {});
    assert.ok(left < 32 * 2 ** 20, `${Math.round(left / 2 ** 20)} MB of ArrayBuffers still held by the thread`);
  } finally {
    await pool.destroy();
  }
});

test('memory a collection cannot free does not set off a collection after every call', async () => {
  const pool = createWorkerPool(1, { idleMs: 0 });
  try {
    // 64 MB held for good (a tfjs-wasm module's memory): the first idle moment collects once...
    await pool.run<number>(KERNEL, 'holdResident', 64);
    await sleep(1500);
    const first = await pool.run<number>(KERNEL, 'fullCollectionsSoFar', {});
    assert.ok(first >= 1, 'the thread collected once after its first call');
    // ...and calls that leave little garbage do not make it collect again: it would run beside the
    // next kernel's work (the NSFW thread's fell in the middle of its task's matte).
    for (let i = 0; i < 2; i++) {
      await pool.run<Who>(KERNEL, 'whoAmI', {});
      await sleep(1500);
    }
    assert.equal(await pool.run<number>(KERNEL, 'fullCollectionsSoFar', {}), first);
  } finally {
    await pool.destroy();
  }
});

test('each kernel module runs in threads of its own, so a thread holds one module\'s models', async () => {
  const pool = createWorkerPool(1, { idleMs: 0 });
  try {
    const a = await pool.run<Who>(KERNEL, 'whoAmI', {});
    const b = await pool.run<Who>(OTHER, 'whoAmI', {});
    assert.notEqual(b.threadId, a.threadId);
    assert.equal((await pool.run<Who>(KERNEL, 'whoAmI', {})).threadId, a.threadId, 'and keeps them while memory allows');
  } finally {
    await pool.destroy();
  }
});

test('over the memory budget, a call first ends the idle threads of other kernels, never a busy one', async () => {
  const { governor, pool } = governed();
  try {
    const a = await pool.run<Who>(KERNEL, 'whoAmI', {});
    // Any call would pass a 1 MB budget.
    governor.setBudgetMb(1);
    const b = await pool.run<Who>(OTHER, 'whoAmI', {});
    const again = await pool.run<Who>(KERNEL, 'whoAmI', {});
    assert.notEqual(again.threadId, a.threadId, 'the idle kernel\'s thread was ended before the other ran');
    assert.equal(again.calls, 1, 'and what it had loaded went with it');
    assert.equal(b.calls, 1);

    const held = pool.run<Who>(OTHER, 'holdFor', 400);
    await sleep(150);
    await pool.run<Who>(KERNEL, 'whoAmI', {});
    const heldResult = await held;
    assert.equal(heldResult.calls, 1, 'the busy kernel finished its call');
    const after = await pool.run<Who>(OTHER, 'whoAmI', {});
    assert.deepEqual(after, { threadId: heldResult.threadId, calls: 2 }, 'a kernel never ends its own threads to make room');
  } finally {
    governor.setBudgetMb(0);
    await pool.destroy();
  }
});

test('once calls stop, the calling thread collects the pixel buffers it no longer uses', async () => {
  const pool = createWorkerPool(1, { idleMs: 0 });
  try {
    let pixels: Uint8Array | undefined = new Uint8Array(64 * 2 ** 20).fill(7);
    await pool.run<Who>(KERNEL, 'whoAmI', { first: pixels[0] });
    pixels = undefined;
    const held = process.memoryUsage().arrayBuffers;
    assert.ok(held >= 64 * 2 ** 20);
    await sleep(6_500);
    const left = process.memoryUsage().arrayBuffers;
    assert.ok(left < held - 48 * 2 ** 20, `${Math.round(left / 2 ** 20)} MB of array buffers still held`);
  } finally {
    await pool.destroy();
  }
});

test('over the memory budget, a call waits for the calls in flight instead of overlapping them; cancelled while waiting, it never runs', async () => {
  const { governor, pool } = governed();
  const order: string[] = [];
  const overlap = async () => {
    const held = pool.run<Who>(OTHER, 'holdFor', 400).then(() => order.push('held'));
    await sleep(150);
    await Promise.all([held, pool.run<Who>(KERNEL, 'whoAmI', {}).then(() => order.push('next'))]);
  };
  try {
    // Warm first, so "next" does not wait for a thread to start on a loaded machine.
    await pool.run<Who>(KERNEL, 'whoAmI', {});
    await overlap();
    assert.deepEqual(order, ['next', 'held'], 'without a budget the calls overlap');
    order.length = 0;
    governor.setBudgetMb(1);
    await overlap();
    assert.deepEqual(order, ['held', 'next'], 'over the budget the second call waited');

    const held = pool.run<Who>(OTHER, 'holdFor', 400);
    await sleep(150);
    const ac = new AbortController();
    const waiting = pool.run<Who>(KERNEL, 'whoAmI', {}, { signal: ac.signal });
    ac.abort();
    await assert.rejects(waiting, { name: 'TaskAbortedError' });
    await held;
    governor.setBudgetMb(0);
    // The held call released KERNEL's idle thread first, so the cancelled call would have been the
    // new thread's first.
    const calls = (await pool.run<Who>(KERNEL, 'whoAmI', {})).calls;
    assert.equal(calls, 1, 'the cancelled call did not run');
  } finally {
    governor.setBudgetMb(0);
    await pool.destroy();
  }
});

test('over the memory budget, a task between two of its calls still holds its reservation: another call waits for the task to end', async () => {
  const { governor, pool } = governed();
  const order: string[] = [];
  try {
    governor.setBudgetMb(1);
    const task = pool.asOneTask(async () => {
      await pool.run<Who>(OTHER, 'whoAmI', {});
      await sleep(300);
      // Its own calls never wait for it.
      await pool.run<Who>(OTHER, 'whoAmI', {});
      order.push('task');
    });
    await sleep(100);
    await pool.run<Who>(KERNEL, 'whoAmI', {}).then(() => order.push('call'));
    await task;
    assert.deepEqual(order, ['task', 'call']);
  } finally {
    governor.setBudgetMb(0);
    await pool.destroy();
  }
});

test('under a budget with room, alternating kernels keep their threads: no model is loaded twice', async () => {
  const { governor, pool } = governed();
  try {
    governor.setBudgetMb(64 * 1024);
    const a = await pool.run<Who>(KERNEL, 'whoAmI', {});
    const b = await pool.run<Who>(OTHER, 'whoAmI', {});
    for (let i = 0; i < 3; i++) {
      assert.equal((await pool.run<Who>(KERNEL, 'whoAmI', {})).threadId, a.threadId);
      assert.equal((await pool.run<Who>(OTHER, 'whoAmI', {})).threadId, b.threadId);
    }
    assert.deepEqual([...governor.threadStarts().values()], [1, 1], 'one thread start (model load) per kernel');
  } finally {
    governor.setBudgetMb(0);
    await pool.destroy();
  }
});

test('a kernel may ask for fewer threads than the pool has: its calls queue for one thread', async () => {
  const governor = new MemoryGovernor({ budgetMb: 0, keepWarmMs: 0 });
  const pool = createWorkerPool(2, { governor });
  try {
    const both = await Promise.all([pool.run<Who>(OTHER, 'holdFor', 200, { threads: 1 }), pool.run<Who>(OTHER, 'holdFor', 200, { threads: 1 })]);
    assert.equal(both[0].threadId, both[1].threadId);
    assert.equal(governor.threadStarts().get(OTHER.href), 1);
  } finally {
    await pool.destroy();
  }
});

test('keep-warm counts from the last call of any kernel: a kernel idle while another works keeps its models, and all leave once none has run', async () => {
  const { governor, pool } = governed(400);
  try {
    const a = await pool.run<Who>(KERNEL, 'whoAmI', {});
    await pool.run<Who>(OTHER, 'holdFor', 900);
    const again = await pool.run<Who>(KERNEL, 'whoAmI', {});
    assert.deepEqual(again, { threadId: a.threadId, calls: 2 }, 'KERNEL idled longer than keep-warm while OTHER ran, and kept its thread');
    await sleep(1500);
    assert.equal((await pool.run<Who>(KERNEL, 'whoAmI', {})).calls, 1, 'after keep-warm with no call at all, its thread had exited');
    assert.equal(governor.threadStarts().get(KERNEL.href), 2);
  } finally {
    await pool.destroy();
  }
});
