import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import type { Engine } from '../../src/engines/engine.js';
import type { FeatureId } from '../../src/features/table.js';
import { InProcessQueue } from '../../src/tasks/in-process-queue.js';
import { TaskRunner } from '../../src/tasks/task-runner.js';
import { TaskClaims } from '../../src/tasks/worker-liveness.js';
import { DEFAULTS } from '../../src/config.js';
import { startTestServer, testPhoto } from '../helpers/harness.js';

test('a deliberate shutdown gives a running task back without counting the attempt', async () => {
  const server = await startTestServer({ runEngines: false });
  try {
    const { tasks, files, log, db, clock, styles } = server.app.services;
    // An engine that works until it is stopped, standing in for a long model run.
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const endless: Engine = {
      feature: 'color-correct',
      availability: () => ({ available: true }),
      run: (_job, ctx) =>
        new Promise((_resolve, reject) => {
          started();
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    };
    const queue = new InProcessQueue(1);
    const runner = new TaskRunner(tasks, new TaskClaims(db, tasks, clock, DEFAULTS.tasks.liveness), files, new Map<FeatureId, Engine>([['color-correct', endless]]), styles, log, { timeoutMs: 60_000, workerId: 'worker-a' });
    await queue.consume(runner.handle);

    const c = await server.newClient(5);
    const f = await c.upload('color-correct', await sharp(testPhoto('coffee.png')).resize(64).png().toBuffer(), 'image/png');
    const taskId = (await c.createTask('color-correct', { src_ids: [f] })).body.result.task_id;
    await queue.enqueue(taskId);
    await running;
    const claimed = await db.kysely.selectFrom('tasks').select(['attempts', 'claimed_by']).where('id', '=', taskId).executeTakeFirstOrThrow();
    assert.deepEqual(claimed, { attempts: 1, claimed_by: 'worker-a' });

    await queue.close();
    const after = await db.kysely.selectFrom('tasks').select(['status', 'attempts', 'claimed_by']).where('id', '=', taskId).executeTakeFirstOrThrow();
    assert.deepEqual(after, { status: 'running', attempts: 0, claimed_by: null });
  } finally {
    await server.close();
  }
});
