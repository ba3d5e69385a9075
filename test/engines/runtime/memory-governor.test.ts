import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryGovernor, type KernelThreads } from '../../../src/engines/runtime/memory-governor.js';

const MB = 2 ** 20;

/**
 * A process whose resident memory the test sets, and kernels that add a fixed amount when their
 * thread starts (their models) and give it back when released: the governor's choices, without
 * timing or real threads.
 */
function world(budgetMb: number) {
  let rss = 300 * MB;
  const governor = new MemoryGovernor({ budgetMb, keepWarmMs: 0, readRss: () => rss });
  const released: string[] = [];
  const kernel = (module: string, modelsMb: number, firstCallMb?: number): KernelThreads & { call(): Promise<void> } => {
    let up = false;
    const k = {
      module,
      busy: () => false,
      needsNewThread: () => !up,
      running: () => up,
      async release() {
        if (!up) return;
        up = false;
        rss -= modelsMb * MB;
        released.push(module);
      },
      async call() {
        const watch = await governor.beforeCall(k, undefined, firstCallMb);
        if (!up) {
          up = true;
          rss += modelsMb * MB;
        }
        governor.callEnded(watch!);
      },
    };
    governor.register(k);
    return k;
  };
  return { governor, kernel, released, rssMb: () => rss / MB };
}

test('a kernel never seen is guessed at the median first call, not the hungriest: a model-free kernel does not evict the matting model', async () => {
  const w = world(4096);
  try {
    const matting = w.kernel('matting', 1200);
    const face = w.kernel('face', 150);
    const colour = w.kernel('colour', 60);
    const upscale = w.kernel('upscale', 700);
    for (const k of [matting, face, colour, upscale]) await k.call();
    // 300 + 1200 + 150 + 60 + 700 = 2410 MB resident: a new kernel guessed as hungry as matting
    // (1200 + 512 margin) would have passed 4096 and ended every idle kernel.
    const fill = w.kernel('fill', 40);
    await fill.call();
    assert.deepEqual(w.released, []);
    for (const k of [matting, face, colour, upscale, fill]) await k.call();
    assert.deepEqual(w.released, [], 'a mixed workload that fits never reloads');
    assert.deepEqual([...w.governor.threadStarts().values()], [], 'the fake kernels count no real thread starts');
  } finally {
    w.governor.close();
  }
});

test('over the budget, idle kernels give way least recently used first, only until the call fits', async () => {
  const w = world(2400);
  try {
    const a = w.kernel('a', 400);
    const b = w.kernel('b', 400);
    const c = w.kernel('c', 400);
    for (const k of [a, b, c]) await k.call();
    await a.call(); // b is now the least recently used
    assert.equal(w.rssMb(), 1500);
    // d adds 700 on its first call: 1500 + guess (median 400) + 300 margin fits; measured after.
    const d = w.kernel('d', 700);
    await d.call();
    assert.deepEqual(w.released, []);
    assert.equal(w.rssMb(), 2200);
    // e: 2200 + median(400, 400, 400, 700) + 300 margin is 500 over: b's 400 is not enough, c goes too; a stays.
    const e = w.kernel('e', 100);
    await e.call();
    assert.deepEqual(w.released, ['b', 'c']);
  } finally {
    w.governor.close();
  }
});

test('under a 1 GB budget a call that needs the room still ends idle kernels, oldest first', async () => {
  const w = world(1024);
  try {
    const face = w.kernel('face', 150);
    const matting = w.kernel('matting', 550);
    await face.call();
    await matting.call();
    assert.deepEqual(w.released, []);
    // 1000 resident + median first call 550 + 128 margin: 654 over; face's 150 is not enough, matting goes too.
    const upscale = w.kernel('upscale', 300);
    await upscale.call();
    assert.deepEqual(w.released, ['face', 'matting']);
    assert.equal(w.rssMb(), 600);
  } finally {
    w.governor.close();
  }
});

test('a kernel that declares its first call makes room before it, not after: a tight budget is not passed on the first matte', async () => {
  const w = world(1024);
  try {
    const colour = w.kernel('colour', 60);
    const face = w.kernel('face', 150);
    await colour.call();
    await face.call();
    // 510 resident; guessed at the median (150) the matte's first call would fit on paper and add 550.
    const matting = w.kernel('matting', 550, 600);
    await matting.call();
    assert.deepEqual(w.released, ['colour', 'face'], 'the idle kernels gave way first');
    assert.ok(w.rssMb() <= 1024, `resident ${w.rssMb()} MB`);
  } finally {
    w.governor.close();
  }
});
