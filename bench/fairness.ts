/**
 * Fairness between keys (issue 14): key A keeps 10 heavy tasks queued (enhance x2 of a 512-px
 * photo, `--heavy-px`) on an embedded server with 2 task slots, while key B runs light tasks (colour correction
 * of a 512-px photo) one after another with a short pause. Reports B's wait (created → started,
 * from the task rows) against B's own run time. Run with `npx tsx bench/fairness.ts [--light 12] [--heavy-px 512]`;
 * writes bench/results/fairness.json.
 */
import sharp from 'sharp';
import { startTestServer, testPhoto, type TestClient, type TestServer } from '../test/helpers/harness.js';
import { isMain, report, type BenchRow } from './support.js';

const HEAVY_PX = Number(process.argv[process.argv.indexOf('--heavy-px') + 1]) || 512;
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function timing(server: TestServer, taskId: string): Promise<{ waitMs: number; runMs: number }> {
  const t = await server.app.services.tasks.get(taskId);
  if (!t || t.claimed_at === null || t.finished_at === null) throw new Error(`task ${taskId} has no timing`);
  return { waitMs: t.claimed_at - t.created_at, runMs: t.finished_at - t.claimed_at };
}

async function submit(c: TestClient, feature: string, src: Buffer, params?: Record<string, unknown>): Promise<string> {
  const f = await c.upload(feature, src);
  const r = await c.createTask(feature, { src_ids: [f] }, params);
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.result.task_id;
}

export async function run(lightTasks = arg('light', 12)): Promise<BenchRow[]> {
  const server = await startTestServer({ tasks: { concurrency: 2, perKeyConcurrency: 1 }, engines: { workers: 2 } });
  try {
    const a = await server.newClient(1000);
    const b = await server.newClient(1000);
    const heavy = await sharp(testPhoto('building.jpg')).resize(HEAVY_PX).jpeg({ quality: 92 }).toBuffer();
    const light = await sharp(testPhoto('fruits.jpg')).resize(512).jpeg({ quality: 92 }).toBuffer();

    // B alone: its own run time, with nothing else on the server.
    const alone: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await submit(b, 'color-correct', light);
      await b.waitForTask('color-correct', id);
      alone.push((await timing(server, id)).runMs);
    }

    // A keeps 10 heavy tasks queued: each one that ends is replaced (all are polled so none is dropped).
    let stop = false;
    const aDone: string[] = [];
    const keepA = async () => {
      const live = new Set<string>();
      const poller = async (id: string) => {
        await a.waitForTask('enhance', id, 3_600_000);
        live.delete(id);
        aDone.push(id);
      };
      const pending: Promise<void>[] = [];
      while (!stop) {
        while (live.size < 12 && !stop) {
          const id = await submit(a, 'enhance', heavy, { scale: 2 });
          live.add(id);
          pending.push(poller(id));
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      await Promise.all(pending);
    };
    const aLoop = keepA();
    await new Promise((r) => setTimeout(r, 3000));

    const waits: number[] = [];
    const runs: number[] = [];
    for (let i = 0; i < lightTasks; i++) {
      const id = await submit(b, 'color-correct', light);
      await b.waitForTask('color-correct', id, 600_000);
      const t = await timing(server, id);
      waits.push(t.waitMs);
      runs.push(t.runMs);
      process.stderr.write(`B task ${i + 1}/${lightTasks}: waited ${t.waitMs} ms, ran ${t.runMs} ms\n`);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
    }
    stop = true;
    await aLoop;
    const aTimes = await Promise.all(aDone.map((id) => timing(server, id)));
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
    const p95 = percentile(waits, 95);
    const ownRun = percentile(runs, 50);
    return [
      { name: 'B light task alone: run time p50', impl: 'color-correct 512 px', ms: percentile(alone, 50), peakRssMb: rss, notes: `${alone.length} tasks, nothing else queued` },
      { name: 'B light task beside A: run time p50', impl: 'color-correct 512 px', ms: ownRun, peakRssMb: rss, notes: `${runs.length} tasks; sharing the CPU with A's heavy task` },
      { name: 'B wait p50 (created → started)', impl: 'in-process queue, 2 slots, perKeyConcurrency 1', ms: percentile(waits, 50), peakRssMb: rss, notes: `A kept 10+ heavy tasks queued` },
      {
        name: 'B wait p95 (created → started)',
        impl: 'in-process queue, 2 slots, perKeyConcurrency 1',
        ms: p95,
        peakRssMb: rss,
        notes: `${(p95 / ownRun).toFixed(2)}x B's own run time (target <= 2x); max ${Math.max(...waits)} ms`,
      },
      { name: 'A heavy task: run time p50', impl: `enhance x2 of ${HEAVY_PX} px`, ms: percentile(aTimes.map((t) => t.runMs), 50), peakRssMb: rss, notes: `${aTimes.length} A tasks finished during the run; A wait p50 ${percentile(aTimes.map((t) => t.waitMs), 50)} ms` },
    ];
  } finally {
    await server.close();
  }
}

if (isMain(import.meta.url)) report('fairness', await run());
