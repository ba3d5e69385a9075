/**
 * `npm run bench:load` — load figures for docs/reliability.md. The server runs as `darkroom serve`
 * in a child process; autocannon runs here; everything is on loopback.
 *  1. Polling (a finished task: a DB read and a signed URL per call) and credit endpoints at rising
 *     request rates, side by side with a bare Fastify route in its own child process. The rate rises
 *     with the number of concurrent connections (closed loop: each sends its next request when the
 *     previous answer arrives). autocannon's fixed-rate mode sends each second's requests in one
 *     burst, which measures its own queueing rather than the server, so it is not used.
 *  2. Rate limits under load: exactly 100 of many concurrent requests pass, per token and per IP.
 *  3. RSS soak: mixed traffic with small colour-correction tasks for --soak-sec seconds (default 30).
 * Flags: --step-sec N (default 5), --soak-sec N (default 30), --connections 1,4,16,64.
 * Prints a table and writes bench/results/load.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { freePort, testPhoto, TestClient } from '../test/helpers/harness.js';
import { ServeProcess } from '../test/reliability/support/serve-process.js';
import type { BenchRow } from './support.js';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type AutocannonInstance = Promise<AutocannonResult> & { on(event: 'response', fn: (client: unknown, statusCode: number) => void): void };
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: Record<string, unknown>) => AutocannonInstance;

const REPO = path.resolve(import.meta.dirname, '..');
const ADMIN_PASSWORD = 'load-bench-admin';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const STEP_SEC = flag('--step-sec', 5);
const SOAK_SEC = flag('--soak-sec', 30);
const CONNECTIONS = (() => {
  const i = process.argv.indexOf('--connections');
  return i >= 0 ? process.argv[i + 1].split(',').map(Number) : [1, 4, 16, 64];
})();

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** A bare Fastify app with one JSON route, in its own process, as the floor to compare with. */
async function startBareFastify(port: number): Promise<ChildProcess> {
  const code = `import Fastify from 'fastify';
const app = Fastify();
app.get('/bare', async () => ({ status: 200, result: { ok: true } }));
await app.listen({ port: ${port}, host: '127.0.0.1' });
console.log('ready');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  // Never outlive the bench, even when it is interrupted.
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (c) => reject(new Error(`bare fastify exited ${c}`)));
  });
  return child;
}

interface StepResult {
  target: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  serverRssMb: number;
}

async function step(target: string, url: string, headers: Record<string, string>, connections: number, pid: number): Promise<StepResult> {
  const r = await autocannon({ url, headers, connections, duration: STEP_SEC });
  return { target, connections, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, serverRssMb: rssMb(pid) };
}

/** The dev key, topped up through the admin API so that a long soak never runs out of credits. */
async function authedClient(serve: ServeProcess): Promise<TestClient> {
  const k = serve.devKey();
  const c = new TestClient(serve.baseUrl, k.clientId, k.clientSecret, Date.now);
  await c.auth();
  const login = await c.api('POST', '/admin/v1/login', { password: ADMIN_PASSWORD }, false);
  const grant = await fetch(`${serve.baseUrl}/admin/v1/keys/${k.clientId}/credits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${login.body.result.admin_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 10_000_000 }),
  });
  if (grant.status !== 200) throw new Error(`credit grant failed: ${grant.status}`);
  return c;
}

/** Exactly `max` of `total` concurrent requests pass a limit; the rest get 429. */
async function rateLimitRun(name: string, url: string, requests: { headers: Record<string, string> }[], total: number): Promise<{ name: string; sent: number; passed: number; limited: number; other: number }> {
  let i = 0;
  const counts = { passed: 0, limited: 0, other: 0 };
  const inst = autocannon({
    url,
    connections: 50,
    amount: total,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, headers: requests[i++ % requests.length].headers }) }],
  });
  inst.on('response', (_client: unknown, statusCode: number) => {
    if (statusCode === 429) counts.limited++;
    else if (statusCode < 400 || statusCode === 401) counts.passed++;
    else counts.other++;
  });
  await inst;
  return { name, sent: total, ...counts };
}

/** Virtual clients that upload, run a small task, poll it and fetch the result, plus credit calls. */
async function soak(serve: ServeProcess, client: TestClient, seconds: number, pid: number) {
  const png = await sharp(testPhoto('coffee.png')).resize(128).png().toBuffer();
  const samples: { t: number; rssMb: number }[] = [];
  const start = Date.now();
  const sampler = setInterval(() => samples.push({ t: Math.round((Date.now() - start) / 1000), rssMb: rssMb(pid) }), 1000);
  let tasks = 0;
  let failures = 0;
  const failureReasons: Record<string, number> = {};
  let calls = 0;
  const worker = async () => {
    while (Date.now() - start < seconds * 1000) {
      try {
        const fileId = await client.upload('color-correct', png, 'image/png');
        const created = await client.createTask('color-correct', { src_ids: [fileId] }, undefined, Math.floor(Math.random() * 2 ** 40));
        const done = await client.waitForTask('color-correct', created.body.result.task_id, 60_000);
        if (done.status !== 'success') throw new Error(done.error);
        await client.download(done.results[0].data[0].url);
        await client.api('GET', '/s2s/v1.0/client/credit');
        await client.api('GET', '/s2s/v1.0/client/credit/history?page_size=30');
        calls += 8;
        tasks++;
      } catch (e) {
        failures++;
        const why = (e as Error).message.slice(0, 80);
        failureReasons[why] = (failureReasons[why] ?? 0) + 1;
      }
    }
  };
  const startRss = rssMb(pid);
  await Promise.all(Array.from({ length: 4 }, worker));
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 2000));
  const endRss = rssMb(pid);
  return { seconds, tasks, failures, failureReasons, calls, startRssMb: startRss, endRssMb: endRss, peakRssMb: Math.max(startRss, endRss, ...samples.map((s) => s.rssMb)), samples };
}

export async function run(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'darkroom-load-'));
  const limitedDir = mkdtempSync(path.join(tmpdir(), 'darkroom-load-rl-'));
  const loadBefore = loadavg()[0];
  const serve = new ServeProcess({ dataDir, port: await freePort(), env: { DARKROOM_LOG_LEVEL: 'warn', DARKROOM_POLLING_INTERVAL_MS: '200', DARKROOM_ADMIN_PASSWORD: ADMIN_PASSWORD } });
  const barePort = await freePort();
  const bare = await startBareFastify(barePort);
  await serve.stopOnInterrupt().start();
  const pid = serve.pid!;
  try {
    const client = await authedClient(serve);
    // A finished task to poll: each poll reads it and signs a fresh result URL.
    const png = await sharp(testPhoto('coffee.png')).resize(96).png().toBuffer();
    const fileId = await client.upload('color-correct', png, 'image/png');
    const taskId = (await client.createTask('color-correct', { src_ids: [fileId] })).body.result.task_id;
    await client.waitForTask('color-correct', taskId);
    const auth = { authorization: `Bearer ${client.token}` };
    const targets: [string, string, Record<string, string>, number][] = [
      ['bare fastify route', `http://127.0.0.1:${barePort}/bare`, {}, bare.pid!],
      ['GET task (poll)', `${serve.baseUrl}/s2s/v1.0/task/color-correct?task_id=${taskId}`, auth, pid],
      ['GET client/credit', `${serve.baseUrl}/s2s/v1.0/client/credit`, auth, pid],
    ];
    const steps: StepResult[] = [];
    const idleRss = rssMb(pid);
    // Warm-up: JIT, SQLite page cache, connection pools.
    for (const [, url, headers] of targets) await autocannon({ url, headers, connections: 8, duration: 2 });
    for (const connections of CONNECTIONS) {
      for (const [name, url, headers, p] of targets) {
        const s = await step(name, url, headers, connections, p);
        steps.push(s);
        console.error(`${name.padEnd(20)} ${String(connections).padStart(3)} conn: ${s.rps} rps, p50 ${s.p50} ms, p99 ${s.p99} ms, non-2xx ${s.non2xx}, errors ${s.errors}`);
      }
    }
    const held = (target: string) => Math.max(0, ...steps.filter((s) => s.target === target && s.p99 < 50 && s.non2xx === 0 && s.errors === 0).map((s) => s.rps));

    // Rate limits with the source document's numbers, on a second server with limits on.
    const limited = new ServeProcess({ dataDir: limitedDir, port: await freePort(), env: { DARKROOM_LOG_LEVEL: 'warn', DARKROOM_RATE_LIMIT: 'true', DARKROOM_TRUST_PROXY: '1' } });
    await limited.stopOnInterrupt().start();
    const lk = limited.devKey();
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = new TestClient(limited.baseUrl, lk.clientId, lk.clientSecret, () => Date.now() + i);
      tokens.push(await c.auth());
    }
    const creditUrl = `${limited.baseUrl}/s2s/v1.0/client/credit`;
    const perToken = await rateLimitRun('per token: 1 token, 500 client IPs', creditUrl, Array.from({ length: 500 }, (_, i) => ({ headers: { authorization: `Bearer ${tokens[0]}`, 'x-forwarded-for': `203.0.113.${i % 250}, 10.0.${i}.1` } })), 500);
    const perIp = await rateLimitRun('per IP: 1 IP, 4 tokens', creditUrl, Array.from({ length: 4 }, (_, i) => ({ headers: { authorization: `Bearer ${tokens[i + 1]}`, 'x-forwarded-for': '198.51.100.7' } })), 500);
    await limited.stop();

    const soakResult = await soak(serve, client, SOAK_SEC, pid);
    console.error(`soak ${SOAK_SEC} s: ${soakResult.tasks} tasks, ${soakResult.failures} failures, RSS ${soakResult.startRssMb} -> ${soakResult.endRssMb} MB (peak ${soakResult.peakRssMb})`);

    const summary = {
      date: new Date().toISOString(),
      machine: '2 cores, loopback; server and autocannon share them',
      // Other work on the machine skews every figure: the 1-minute load average before and after.
      loadAverage: { before: loadBefore, after: loadavg()[0] },
      stepSec: STEP_SEC,
      connections: CONNECTIONS,
      idleServerRssMb: idleRss,
      heldAtP99Under50ms: Object.fromEntries(targets.map(([name]) => [name, held(name)])),
      steps,
      rateLimits: [perToken, perIp],
      soak: soakResult,
    };
    mkdirSync(path.join(REPO, 'bench/results'), { recursive: true });
    writeFileSync(path.join(REPO, 'bench/results/load.json'), JSON.stringify(summary, null, 2) + '\n');

    console.table(steps.map((s) => ({ target: s.target, connections: s.connections, 'actual rps': s.rps, 'p50 ms': s.p50, 'p99 ms': s.p99, 'non-2xx': s.non2xx, errors: s.errors, 'server RSS MB': s.serverRssMb })));
    console.table([perToken, perIp]);
    console.table([{ 'soak s': SOAK_SEC, tasks: soakResult.tasks, failures: soakResult.failures, 'RSS start MB': soakResult.startRssMb, 'RSS end MB': soakResult.endRssMb, 'RSS peak MB': soakResult.peakRssMb }]);

    const maxOf = (t: string) => steps.filter((s) => s.target === t).sort((a, b) => b.rps - a.rps)[0];
    return [
      ...targets.map(([name]) => ({
        name: `${name} at peak throughput`,
        impl: name === 'bare fastify route' ? 'fastify' : 'darkroom',
        ms: maxOf(name).p99,
        peakRssMb: Math.max(...steps.filter((s) => s.target === name).map((s) => s.serverRssMb)),
        notes: `${maxOf(name).rps} rps with ${maxOf(name).connections} connections; held ${held(name)} rps with p99 < 50 ms`,
      })),
      { name: `soak ${SOAK_SEC} s mixed traffic`, impl: 'darkroom', ms: (SOAK_SEC * 1000) / Math.max(1, soakResult.tasks), peakRssMb: soakResult.peakRssMb, notes: `${soakResult.tasks} tasks; RSS ${soakResult.startRssMb} -> ${soakResult.endRssMb} MB` },
    ];
  } finally {
    await serve.stop();
    bare.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(limitedDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
