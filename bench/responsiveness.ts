/**
 * Does the API stay responsive while engines work? Two heavy tasks (enhance x2 of a 1024 px photo)
 * run in the worker pool while a client polls every 50 ms; poll latency percentiles are reported.
 * Run alone with `npx tsx bench/responsiveness.ts`; writes bench/results/responsiveness.json.
 */
import sharp from 'sharp';
import { startTestServer, testPhoto } from '../test/helpers/harness.js';
import { isMain, report, type BenchRow } from './support.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function run(): Promise<BenchRow[]> {
  const server = await startTestServer({ tasks: { concurrency: 2 }, engines: { workers: 2 } });
  try {
    const client = await server.newClient(100);
    const photo = await sharp(testPhoto('astronaut.png')).resize(1024).png().toBuffer();
    const idle: number[] = [];
    const busy: number[] = [];
    const timePoll = async (feature: string, taskId: string, into: number[]) => {
      const t0 = performance.now();
      const r = await client.poll(feature, taskId);
      into.push(performance.now() - t0);
      return r.body.result?.status as string | undefined;
    };
    // Baseline: polls of a finished task with no engine work.
    const small = await sharp(photo).resize(128).png().toBuffer();
    const done = await client.runTask('color-correct', { src: small });
    const doneId = (await client.createTask('color-correct', { src_ids: [done.results[0].data[0].dst_id] })).body.result.task_id;
    await client.waitForTask('color-correct', doneId);
    for (let i = 0; i < 100; i++) await timePoll('color-correct', doneId, idle);

    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const f = await client.upload('enhance', photo, 'image/png');
      ids.push((await client.createTask('enhance', { src_ids: [f] }, { scale: 2 })).body.result.task_id);
    }
    const started = performance.now();
    let running = true;
    while (running) {
      const states = await Promise.all(ids.map((id) => timePoll('enhance', id, busy)));
      running = states.some((s) => s === 'running');
      await new Promise((r) => setTimeout(r, 50));
    }
    const heavyMs = performance.now() - started;
    const row = (name: string, xs: number[], notes: string): BenchRow => {
      const s = [...xs].sort((a, b) => a - b);
      return { name, impl: 'GET task/{feature} over loopback', ms: Math.round(percentile(s, 99) * 10) / 10, peakRssMb: Math.round(process.memoryUsage().rss / 2 ** 20), notes: `p50 ${percentile(s, 50).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms, ${s.length} polls; ${notes}` };
    };
    return [
      row('poll latency p99, idle', idle, 'no engine work'),
      row('poll latency p99, 2 heavy tasks', busy, `two enhance x2 of 1024 px running for ${(heavyMs / 1000).toFixed(1)} s`),
    ];
  } finally {
    await server.close();
  }
}

if (isMain(import.meta.url)) report('responsiveness', await run());
