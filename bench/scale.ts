/**
 * Scale-out throughput: color correction tasks per second through one API instance with 1, 2 and 4
 * `darkroom worker` processes on PostgreSQL + Redis + s3rver (each worker: 2 tasks at once, 1 engine
 * thread). Measures the whole path a customer sees: upload to S3, create, queue, run, poll.
 * Run alone with `npx tsx bench/scale.ts`; writes bench/results/scale.json.
 */
import os from 'node:os';
import sharp from 'sharp';
import { testPhoto } from '../test/helpers/harness.js';
import { Cluster, mapLimit } from '../test/scale/support/cluster.js';
import { isMain, report, type BenchRow } from './support.js';

const TASKS = Number(process.env.BENCH_SCALE_TASKS ?? 120);
const IN_FLIGHT = 16;

async function throughput(workers: number, photo: Buffer): Promise<BenchRow> {
  const cluster = new Cluster({ apis: 1, workers, redisDb: 14, name: `bench${workers}` });
  await cluster.start();
  try {
    const clients = [await cluster.newClient(TASKS), await cluster.newClient(TASKS)];
    // Uploads happen first, so the timed part is task creation, queueing, engines and polling.
    const fileIds = await mapLimit(Array.from({ length: TASKS }), IN_FLIGHT, (_, i) => clients[i % 2].upload(photo));
    const cpu0 = cluster.cpuMs();
    const t0 = performance.now();
    const results = await mapLimit(fileIds, IN_FLIGHT, async (fileId, i) => {
      const client = clients[i % 2];
      return client.wait(await client.create(fileId, i));
    });
    const ms = performance.now() - t0;
    const cpu1 = cluster.cpuMs();
    const ok = results.filter((r) => r.status === 'success').length;
    if (ok !== TASKS) throw new Error(`${TASKS - ok} tasks did not succeed`);
    const rss = cluster.workerPeakRssMb();
    return {
      name: `color-correct x${TASKS}, ${workers} worker${workers > 1 ? 's' : ''}`,
      impl: 'darkroom worker (BullMQ)',
      ms: Math.round(ms),
      peakRssMb: Math.round(Math.max(...rss)),
      notes:
        `${(TASKS / (ms / 1000)).toFixed(1)} tasks/s; CPU per task: workers ${((cpu1.workers - cpu0.workers) / TASKS).toFixed(0)} ms, API ${((cpu1.api - cpu0.api) / TASKS).toFixed(0)} ms; ` +
        `${Math.round(rss.reduce((a, b) => a + b, 0))} MB RSS for all workers; ${os.cpus().length} cores shared with PostgreSQL, Redis, s3rver and the load client`,
    };
  } finally {
    await cluster.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  const photo = await sharp(testPhoto('fruits.jpg')).resize(512).jpeg().toBuffer();
  const rows: BenchRow[] = [];
  for (const n of [1, 2, 4]) rows.push(await throughput(n, photo));
  return rows;
}

if (isMain(import.meta.url)) report('scale', await run());
