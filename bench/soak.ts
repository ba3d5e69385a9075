/**
 * Memory soak over real photos (issue 14, finding 4): `darkroom serve` in a child process (embedded:
 * SQLite, local disk, in-process queue and engines), fed the shared test photos at full size plus
 * 4096x4096 inputs made by upscaling (an 8-bit JPEG, and a 16-bit PNG blocky enough for the 10 MB limit), through every feature that
 * runs without a diffusion backend. Samples the server's RSS every 250 ms, then idles past the
 * keep-warm time (`engines.idleReleaseMs`, 5 min) and 30 s more.
 * Targets: peak within the memory budget (the host's default, or --budget-mb; with 1024 MB the peak
 * may reach 1.2 GB); RSS after the idle time within 25 % of the idle baseline (after start-up).
 *
 *   npx tsx bench/soak.ts [--photos building.jpg,portrait-julia.jpg] [--big jpeg,png16] [--features sod,enhance] [--budget-mb 1024] [--keep-warm-sec 300] [--idle-sec 330] [--clients 2] [--smaps-dir DIR] [--server-dir DIR]
 *   env passes through, e.g. MALLOC_ARENA_MAX=2 npx tsx bench/soak.ts
 * Writes bench/results/soak.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { freePort, TestClient } from '../test/helpers/harness.js';
import { defaultMemoryBudgetMb } from '../src/engines/runtime/memory-budget.js';
import { ServeProcess } from '../test/reliability/support/serve-process.js';
import { isMain, report, TESTDATA, type BenchRow } from './support.js';

const opt = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const PHOTOS = opt('photos', 'building.jpg,portrait-julia.jpg,astronaut.png,group-3.jpg,starry_night.jpg').split(',');
const BUDGET_MB = Number(opt('budget-mb', String(defaultMemoryBudgetMb())));
const KEEP_WARM_SEC = Number(opt('keep-warm-sec', '300'));
const IDLE_SEC = Number(opt('idle-sec', String(KEEP_WARM_SEC + 30)));
/** A 1 GB budget holds the 1 GB soak within 1.2 GB (ISNet's activations alone are ~550 MB). */
const PEAK_TARGET_MB = BUDGET_MB <= 1024 ? 1229 : BUDGET_MB;
const SERVER_DIR = opt('server-dir', '');
const CLIENTS = Number(opt('clients', '2'));
const FEATURES = opt('features', '').split(',').filter(Boolean);
/** Where to copy the server's /proc/<pid>/smaps at the idle baseline and after the idle minute (to see what stays resident). */
const SMAPS_DIR = opt('smaps-dir', '');
/** Which 4096² inputs: jpeg, png16 (both by default). */
const BIG = opt('big', 'jpeg,png16').split(',').filter(Boolean);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** Resident memory by kind (anonymous: heaps, buffers, sessions; file: mapped libraries and code), in MB. */
function rssKinds(pid: number): string {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? 0) / 1024);
  return `anon ${kb('RssAnon')}, file ${kb('RssFile')}`;
}

function keepSmaps(pid: number, when: string): void {
  if (SMAPS_DIR) writeFileSync(path.join(SMAPS_DIR, `smaps-${when}.txt`), readFileSync(`/proc/${pid}/smaps`));
}

/** Threads of the server process (the main thread, libuv, libvips, onnxruntime and each worker thread's own). */
function threadCount(pid: number): number {
  const m = /Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** The main thread's V8 heap and external (Buffer) memory from /metrics, in MB: what is left of RSS is native (libvips, onnxruntime, worker isolates). */
async function jsMemory(baseUrl: string): Promise<{ heapMb: number; externalMb: number }> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const get = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
    return { heapMb: Math.round(get('darkroom_nodejs_heap_size_used_bytes') / 2 ** 20), externalMb: Math.round(get('darkroom_nodejs_external_memory_bytes') / 2 ** 20) };
  } catch {
    return { heapMb: NaN, externalMb: NaN };
  }
}

interface Input {
  name: string;
  data: Buffer;
  type: string;
  width: number;
  height: number;
}

interface Job {
  feature: string;
  input: Input;
  params?: Record<string, unknown>;
  mask?: boolean;
}

async function inputs(): Promise<Input[]> {
  const out: Input[] = [];
  for (const name of PHOTOS) {
    const data = readFileSync(path.join(TESTDATA, name));
    const m = await sharp(data).metadata();
    out.push({ name, data, type: name.endsWith('.png') ? 'image/png' : 'image/jpeg', width: m.width!, height: m.height! });
  }
  const base = sharp(readFileSync(path.join(TESTDATA, 'building.jpg'))).resize(4096, 4096, { fit: 'fill', kernel: 'lanczos3' });
  if (BIG.includes('jpeg')) out.push({ name: '4096² JPEG (building, upscaled)', data: await base.clone().jpeg({ quality: 92 }).toBuffer(), type: 'image/jpeg', width: 4096, height: 4096 });
  // Under the features' 10 MB upload limit a 16-bit 4096² PNG must compress well: 512 px upscaled by 8 (nearest).
  const smooth = sharp(await sharp(readFileSync(path.join(TESTDATA, 'building.jpg'))).resize(512).toBuffer()).resize(4096, 4096, { fit: 'fill', kernel: 'nearest' });
  if (BIG.includes('png16')) out.push({ name: '4096² 16-bit PNG (building 512 px, upscaled x8)', data: await smooth.toColourspace('rgb16').png({ compressionLevel: 9 }).toBuffer(), type: 'image/png', width: 4096, height: 4096 });
  return out;
}

function jobs(list: Input[]): Job[] {
  const out: Job[] = [];
  for (const input of list) {
    out.push({ feature: 'color-correct', input });
    out.push({ feature: 'lighting', input });
    out.push({ feature: 'colorize', input });
    out.push({ feature: 'sod', input });
    out.push({ feature: 'bg-blur', input, params: { blur_strength: 40 } });
    out.push({ feature: 'bg-replace', input, params: { background_color: '#336699' } });
    out.push({ feature: 'enhance', input, params: { scale: input.width * input.height > 8_000_000 ? 1 : 2 } });
    out.push({ feature: 'obj-removal', input, mask: true });
    out.push({ feature: 'face-swap/pre-process', input });
    const w = input.width;
    const h = input.height;
    const ow = Math.round(w * 1.25);
    const oh = Math.round(h * 1.25);
    out.push({ feature: 'out-paint', input, params: { output_width: ow, output_height: oh, input_x: Math.round((ow - w) / 2), input_y: Math.round((oh - h) / 2), input_width: w, input_height: h, crop_input_x: 0, crop_input_y: 0, crop_input_width: w, crop_input_height: h } });
  }
  return FEATURES.length ? out.filter((j) => FEATURES.includes(j.feature)) : out;
}

async function maskFor(input: Input): Promise<Buffer> {
  const { width: w, height: h } = input;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="black"/><ellipse cx="${w / 2}" cy="${h / 2}" rx="${w / 10}" ry="${h / 10}" fill="white"/></svg>`;
  return sharp(Buffer.from(svg)).grayscale().png().toBuffer();
}

async function runJob(c: TestClient, job: Job): Promise<{ status: string; error?: string; ms: number }> {
  const t0 = Date.now();
  const sets: Record<string, string[]> = { src_ids: [await c.upload(job.feature, job.input.data, job.input.type)] };
  if (job.mask) sets.mask_ids = [await c.upload(job.feature, await maskFor(job.input), 'image/png')];
  const r = await c.createTask(job.feature, sets, job.params);
  if (r.status !== 200) return { status: `refused ${r.status}`, error: r.body?.error, ms: Date.now() - t0 };
  const end = await c.waitForTask(job.feature, r.body.result.task_id, 900_000);
  if (end.status === 'success') for (const d of end.results[0].data) await c.download(d.url);
  return { status: end.status, error: end.error ?? undefined, ms: Date.now() - t0 };
}

export async function run(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'darkroom-soak-'));
  // As deployed (deploy/Dockerfile, bin/darkroom.js): two glibc arenas, big blocks mapped on their own.
  const malloc = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '1048576' };
  const engines = { DARKROOM_ENGINE_MEMORY_TARGET_MB: String(BUDGET_MB), DARKROOM_ENGINE_IDLE_RELEASE_MS: String(KEEP_WARM_SEC * 1000) };
  const serve = new ServeProcess({ dataDir, port: await freePort(), env: { DARKROOM_LOG_LEVEL: 'warn', ...malloc, ...engines }, ...(SERVER_DIR ? { repo: path.resolve(SERVER_DIR) } : {}) });
  serve.stopOnInterrupt();
  const label = process.env.SOAK_LABEL ?? `budget ${BUDGET_MB} MB, keep-warm ${KEEP_WARM_SEC} s`;
  try {
    await serve.start();
    const pid = serve.pid!;
    const key = serve.devKey();
    const list = jobs(await inputs());
    await new Promise((r) => setTimeout(r, 3000));
    const baseline = rssMb(pid);
    process.stderr.write(`idle baseline: RSS ${baseline} MB (${rssKinds(pid)}), ${threadCount(pid)} threads\n`);
    keepSmaps(pid, 'baseline');
    const samples: { t: number; mb: number }[] = [];
    const sampler = setInterval(() => samples.push({ t: Date.now(), mb: rssMb(pid) }), 250);
    const peakSince = (t: number) => Math.max(0, ...samples.filter((x) => x.t >= t).map((x) => x.mb));
    const t0 = Date.now();
    const outcomes: { feature: string; input: string; status: string; error?: string; ms: number; rssBefore: number; peak: number; after: number }[] = [];
    const queue = [...list];
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const c = new TestClient(serve.baseUrl, key.clientId, key.clientSecret, Date.now);
        await c.auth();
        for (let job = queue.shift(); job; job = queue.shift()) {
          const tJob = Date.now();
          const rssBefore = rssMb(pid);
          const o = await runJob(c, job).catch((e: Error) => ({ status: 'client error', error: e.message, ms: 0 }));
          const after = rssMb(pid);
          const peak = Math.max(peakSince(tJob), after);
          outcomes.push({ feature: job.feature, input: job.input.name, ...o, rssBefore, peak, after });
          const js = await jsMemory(serve.baseUrl);
          process.stderr.write(`${job.feature} on ${job.input.name}: ${o.status}${o.error ? ` (${o.error.slice(0, 80)})` : ''} in ${o.ms} ms; RSS ${rssBefore} -> peak ${peak} -> ${after} MB (main heap ${js.heapMb}, external ${js.externalMb}; ${threadCount(pid)} threads)\n`);
        }
      }),
    );
    const workSec = Math.round((Date.now() - t0) / 1000);
    const afterWork = rssMb(pid);
    const peak = Math.max(peakSince(0), afterWork);
    for (let s = 10; s <= IDLE_SEC; s += 10) {
      await new Promise((r) => setTimeout(r, 10_000));
      process.stderr.write(`idle ${s} s: RSS ${rssMb(pid)} MB (${rssKinds(pid)}), ${threadCount(pid)} threads\n`);
    }
    await new Promise((r) => setTimeout(r, (IDLE_SEC % 10) * 1000));
    clearInterval(sampler);
    const afterIdle = rssMb(pid);
    keepSmaps(pid, 'after-idle');
    const ok = outcomes.filter((o) => o.status === 'success').length;
    const failed = outcomes.filter((o) => o.status !== 'success');
    const vsBaseline = Math.round(((afterIdle - baseline) / baseline) * 100);
    console.table(failed.map((f) => ({ feature: f.feature, input: f.input, status: f.status, error: (f.error ?? '').slice(0, 70) })));
    const notes = `${label}; ${outcomes.length} tasks (${ok} succeeded) over ${PHOTOS.join(', ')} at full size + 4096² ${BIG.join(', ')}; features ${FEATURES.join(', ') || 'all that run here'}; ${CLIENTS} clients, ${workSec} s`;
    const perJob = outcomes.map((o) => ({ name: `${o.feature} on ${o.input}: ${o.status}`, impl: label, ms: o.ms, peakRssMb: o.peak, notes: `RSS ${o.rssBefore} -> peak ${o.peak} -> ${o.after} MB` }));
    return [
      ...perJob,
      { name: 'server RSS idle baseline (after start-up)', impl: label, ms: 0, peakRssMb: baseline, notes },
      { name: `server RSS peak under the soak (target <= ${PEAK_TARGET_MB} MB)`, impl: label, ms: workSec * 1000, peakRssMb: peak, notes },
      { name: 'server RSS right after the soak', impl: label, ms: 0, peakRssMb: afterWork, notes },
      { name: `server RSS after ${IDLE_SEC} s idle (target <= baseline + 25 %)`, impl: label, ms: IDLE_SEC * 1000, peakRssMb: afterIdle, notes: `${vsBaseline >= 0 ? '+' : ''}${vsBaseline} % vs baseline ${baseline} MB` },
    ];
  } finally {
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) report(process.env.SOAK_RESULT ?? 'soak', await run());
