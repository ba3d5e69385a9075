import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeysService } from '../../../src/auth/keys.service.js';
import { MasterKey } from '../../../src/auth/master-key.js';
import { CreditsService } from '../../../src/billing/credits.service.js';
import { openDatabase, type Db } from '../../../src/db/connect.js';
import { RedisQueue } from '../../../src/tasks/redis-queue.js';
import { systemClock } from '../../../src/util/clock.js';
import { TestClient, freePort } from '../../helpers/harness.js';
import { createTestDatabase, createTestRedis, startS3, type TestDatabase, type TestS3 } from './services.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(REPO, 'src/cli/main.ts');
const LOGS = path.join(REPO, 'artifacts/scale');

export interface ClusterOptions {
  apis: number;
  workers: number;
  /** Redis database index of this cluster (test files running side by side use different ones). */
  redisDb: number;
  /** Tasks a worker runs at once, and its engine threads. */
  workerConcurrency?: number;
  engineThreads?: number;
  name: string;
  /** Services of the cluster's own instead of the machine's shared ones (the chaos suite). */
  backing?: () => Promise<Backing>;
  /** More environment for every process. */
  env?: Record<string, string>;
}

export interface Backing {
  pg: TestDatabase;
  redis: { url: string; flush(): Promise<void> };
  s3: TestS3;
}

interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Timings that make crash recovery take seconds in tests instead of the production half-minute. */
const FAST_RECOVERY = {
  DARKROOM_WORKER_HEARTBEAT_MS: '1000',
  DARKROOM_WORKER_STALE_MS: '4000',
  DARKROOM_QUEUE_LOCK_MS: '5000',
  DARKROOM_REQUEUE_UNCLAIMED_MS: '15000',
};

/**
 * A real scale-out deployment on this machine: API instances (`darkroom serve`, engines off) and
 * engine workers (`darkroom worker`) as separate processes sharing PostgreSQL, Redis and an S3
 * endpoint (s3rver), configured only through environment variables, as an operator would.
 */
export class Cluster {
  readonly apiUrls: string[] = [];
  readonly workerMetricsUrls: string[] = [];
  private apis: Proc[] = [];
  private workers: (Proc | undefined)[] = [];
  private apiPorts: number[] = [];
  private dataDirs: string[] = [];
  db!: Db;
  keys!: KeysService;
  credits!: CreditsService;
  private pg!: TestDatabase;
  private s3!: TestS3;
  private redis!: { url: string; flush(): Promise<void> };
  private readonly masterKey = randomBytes(32).toString('base64');

  constructor(private readonly opts: ClusterOptions) {}

  async start(): Promise<void> {
    mkdirSync(LOGS, { recursive: true });
    if (this.opts.backing) {
      ({ pg: this.pg, redis: this.redis, s3: this.s3 } = await this.opts.backing());
    } else {
      this.pg = await createTestDatabase(`darkroom_${this.opts.name}`);
      this.redis = await createTestRedis(this.opts.redisDb);
      this.s3 = await startS3();
    }
    // Migrate once up front, as a deployment's first start would; then every process finds the schema ready.
    this.db = await openDatabase(this.pg.url);
    const master = MasterKey.load('/nonexistent', this.masterKey);
    this.keys = new KeysService(this.db, master, systemClock, 1024);
    this.credits = new CreditsService(this.db, systemClock);
    for (let i = 0; i < this.opts.apis; i++) this.apiPorts.push(await freePort());
    await Promise.all(this.apiPorts.map((_, i) => this.startApi(i)));
    await Promise.all(Array.from({ length: this.opts.workers }, (_, i) => this.startWorker(i)));
  }

  private env(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
    // Settings without an environment variable go in the data dir's darkroom.json.
    writeFileSync(
      path.join(dataDir, 'darkroom.json'),
      JSON.stringify({ devKey: { enabled: false }, rateLimit: { enabled: false }, auth: { keyBits: 1024 }, tasks: { pollingIntervalMs: 300 } }),
    );
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DARKROOM_DATA_DIR: dataDir,
      DARKROOM_HOST: '127.0.0.1',
      DARKROOM_LOG_LEVEL: 'warn',
      DARKROOM_MASTER_KEY: this.masterKey,
      DARKROOM_DATABASE_URL: this.pg.url,
      DARKROOM_REDIS_URL: this.redis.url,
      DARKROOM_STORAGE: 's3',
      DARKROOM_S3_ENDPOINT: this.s3.endpoint,
      DARKROOM_S3_BUCKET: this.s3.bucket,
      DARKROOM_S3_ACCESS_KEY_ID: this.s3.accessKeyId,
      DARKROOM_S3_SECRET_ACCESS_KEY: this.s3.secretAccessKey,
      DARKROOM_S3_PATH_STYLE: 'true',
      ...FAST_RECOVERY,
      ...this.opts.env,
      ...extra,
    };
  }

  private spawn(name: string, command: string, env: NodeJS.ProcessEnv): Proc {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, command], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(path.join(LOGS, `${this.opts.name}-${name}.log`), { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { name, child, exited };
  }

  private newDataDir(): string {
    const d = mkdtempSync(path.join(tmpdir(), `darkroom-${this.opts.name}-`));
    this.dataDirs.push(d);
    return d;
  }

  async startApi(i: number): Promise<void> {
    const port = this.apiPorts[i];
    const url = `http://127.0.0.1:${port}`;
    const env = this.env(this.newDataDir(), { DARKROOM_PORT: String(port), DARKROOM_PUBLIC_URL: url, DARKROOM_RUN_ENGINES: 'false' });
    const proc = this.spawn(`api${i}`, 'serve', env);
    this.apis[i] = proc;
    this.apiUrls[i] = url;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 90_000, `api${i} ready`, proc);
  }

  async startWorker(i: number): Promise<void> {
    const metricsPort = await freePort();
    const env = this.env(this.newDataDir(), {
      DARKROOM_TASK_CONCURRENCY: String(this.opts.workerConcurrency ?? 2),
      DARKROOM_ENGINE_WORKERS: String(this.opts.engineThreads ?? 1),
      DARKROOM_METRICS_PORT: String(metricsPort),
    });
    const proc = this.spawn(`worker${i}`, 'worker', env);
    this.workers[i] = proc;
    this.workerMetricsUrls[i] = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitFor(async () => (await fetch(this.workerMetricsUrls[i])).status === 200, 90_000, `worker${i} ready`, proc);
  }

  /** BullMQ jobs waiting or running, read from the same Redis database the cluster uses. */
  async queueDepth(): Promise<number> {
    const q = new RedisQueue(this.redis.url, { concurrency: 1, lockDurationMs: 5000, maxStalledCount: 1, prefix: 'darkroom' });
    try {
      return await q.depth();
    } finally {
      await q.close();
    }
  }

  /** Peak resident memory (VmHWM) of each live worker process, in MB. */
  workerPeakRssMb(): number[] {
    return this.workers
      .filter((w): w is Proc => !!w)
      .map((w) => {
        const status = readFileSync(`/proc/${w.child.pid}/status`, 'utf8');
        return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
      });
  }

  /** CPU time (user + system, ms) used so far by the live API and worker processes. */
  cpuMs(): { api: number; workers: number } {
    const ticks = (pid: number) => {
      // Fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised command name.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]);
    };
    const sum = (procs: (Proc | undefined)[]) => procs.filter((p): p is Proc => !!p && p.child.exitCode === null).reduce((t, p) => t + ticks(p.child.pid!), 0) * 10;
    return { api: sum(this.apis), workers: sum(this.workers) };
  }

  /** Processes of the cluster that exited without being told to (name and exit code or signal). */
  exited(): string[] {
    return [...this.apis, ...this.workers]
      .filter((p): p is Proc => !!p && (p.child.exitCode !== null || p.child.signalCode !== null))
      .map((p) => `${p.name}: ${p.child.exitCode ?? p.child.signalCode}`);
  }

  workerPid(i: number): number {
    return this.workers[i]!.child.pid!;
  }

  /** SIGKILL: no cleanup at all, as when a machine dies. */
  async killWorker(i: number): Promise<void> {
    const w = this.workers[i]!;
    w.child.kill('SIGKILL');
    await w.exited;
    this.workers[i] = undefined;
  }

  async killApi(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const a = this.apis[i];
    a.child.kill(signal);
    await a.exited;
  }

  /** A client key with credits, and one TestClient per API instance sharing its access token. */
  async newClient(credits: number): Promise<ClusterClient> {
    const k = await this.keys.create('scale');
    await this.credits.grant(k.clientId, credits, 'PaygToken', Date.now() + 30 * 24 * 3600_000);
    const clients = this.apiUrls.map((u) => new TestClient(u, k.clientId, k.clientSecret, Date.now));
    const token = await clients[0].auth();
    for (const c of clients.slice(1)) c.token = token;
    return new ClusterClient(k.clientId, clients);
  }

  async close(): Promise<void> {
    const procs = [...this.apis, ...this.workers].filter((p): p is Proc => !!p && p.child.exitCode === null && p.child.signalCode === null);
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(
      procs.map((p) =>
        Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))]).then(() => {
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        }),
      ),
    );
    await this.db?.close();
    await this.s3?.close();
    await this.redis?.flush().catch(() => undefined);
    await this.pg?.drop();
    for (const d of this.dataDirs) rmSync(d, { recursive: true, force: true });
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, proc?: Proc): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) throw new Error(`${what}: process exited (${proc.child.exitCode ?? proc.child.signalCode}); see artifacts/scale/`);
    try {
      if (await check()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One customer talking to every API instance in turn, tolerating an instance that is restarting. */
export class ClusterClient {
  private turn = 0;
  constructor(
    readonly clientId: string,
    readonly instances: TestClient[],
  ) {}

  private next(): TestClient {
    return this.instances[this.turn++ % this.instances.length];
  }

  /** Retries on another instance when one is unreachable (connection refused during a restart). */
  private async any<T>(fn: (c: TestClient) => Promise<T>): Promise<T> {
    let last: unknown;
    for (let i = 0; i < this.instances.length * 20; i++) {
      try {
        return await fn(this.next());
      } catch (e) {
        last = e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw last;
  }

  async upload(photo: Buffer, feature = 'color-correct'): Promise<string> {
    return this.any((c) => c.upload(feature, photo, 'image/jpeg'));
  }

  async create(fileId: string, requestId: number, feature = 'color-correct'): Promise<string> {
    const r = await this.any((c) => c.createTask(feature, { src_ids: [fileId] }, undefined, requestId));
    if (r.status !== 200) throw new Error(`task creation failed: ${JSON.stringify(r.body)}`);
    return r.body.result.task_id;
  }

  /** Creates the same request on every instance at once: all must answer with one task. */
  async createEverywhere(fileId: string, requestId: number, feature = 'color-correct'): Promise<string[]> {
    const answers = await Promise.all(this.instances.map((c) => c.createTask(feature, { src_ids: [fileId] }, undefined, requestId)));
    return answers.map((r) => {
      if (r.status !== 200) throw new Error(`task creation failed: ${JSON.stringify(r.body)}`);
      return r.body.result.task_id as string;
    });
  }

  async wait(taskId: string, feature = 'color-correct', timeoutMs = 120_000): Promise<{ status: string; error: string | null; results: any[] }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.any((c) => c.poll(feature, taskId));
      if (r.status !== 200) throw new Error(`poll failed: ${JSON.stringify(r.body)}`);
      if (r.body.result.status !== 'running') return r.body.result;
      if (Date.now() > end) throw new Error(`task ${taskId} still running after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}
