/**
 * First start fetches the recommended models in the background (as rembg, IOPaint and InsightFace
 * fetch theirs on first use), so a new server is judged by its best engines, not its fallbacks.
 * The server serves at once with the classical engines; each model goes through `pullModel` (sha256
 * checked before it is renamed into place), and routing picks it up from the next task, so a feature
 * upgrades without a restart. Offline or refused: one log line, and another round after `retryMs`.
 * Licence-restricted models are never part of the set.
 *
 * Several processes may share one models directory (API and workers): a lock file lets one of them
 * download while the others wait for the next round, and a status file beside it lets any process
 * (and `darkroom models list`) report progress.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ModelSpec } from './catalog.js';
import { allModels } from './local-catalog.js';
import { DownloadError } from './download.js';
import { LicenceNotAcceptedError, pullModel } from './pull.js';
import { ChecksumError, findModel } from './resolve.js';

export interface AutoPullLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export type AutoPullState = 'waiting' | 'downloading' | 'installed' | 'failed';

export interface AutoPullModelStatus {
  name: string;
  features: readonly string[];
  sizeMB?: number;
  state: AutoPullState;
  received?: number;
  total?: number;
  /** Why the last try failed. */
  error?: string;
}

export interface AutoPullStatus {
  /** ISO time of the last change. */
  updatedAt: string;
  /** ISO time of the next round, when the last one left something out. */
  nextRetryAt?: string;
  models: AutoPullModelStatus[];
}

export interface AutoPullOptions {
  modelsDir: string;
  log: AutoPullLog;
  /** A mirror holding the catalog's file names. */
  baseUrl?: string;
  retryMs: number;
  /** Proxy variables (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export const STATUS_FILE = '.auto-pull.json';
const LOCK_FILE = '.auto-pull.lock';
/** A lock not refreshed for this long belongs to a process that died. */
const LOCK_STALE_MS = 2 * 60_000;
const LOCK_REFRESH_MS = 20_000;

/** The recommended set: permissive licences only (a catalog entry with a licence notice is never fetched unasked). */
export function recommendedModels(modelsDir: string): ModelSpec[] {
  return allModels(modelsDir).filter((m) => m.recommended && !m.licenceNotice && !m.package);
}

/** The status another process (or this one) last wrote, or undefined when auto-pull never ran here. */
export function readAutoPullStatus(modelsDir: string): AutoPullStatus | undefined {
  const file = path.join(modelsDir, STATUS_FILE);
  if (!modelsDir || !existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AutoPullStatus;
  } catch {
    return undefined; // being rewritten: the next read has it
  }
}

/**
 * Per feature, what the background download is doing for it ("ddcolor-tiny downloading 45%"), for
 * the console; features no recommended model serves, or whose model is installed, are left out.
 */
export function featureDownloads(modelsDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of readAutoPullStatus(modelsDir)?.models ?? []) {
    if (m.state === 'installed') continue;
    const what =
      m.state === 'downloading' && m.total ? `${m.name} downloading ${Math.floor((100 * (m.received ?? 0)) / m.total)}%` : m.state === 'failed' ? `${m.name} not fetched yet (${m.error ?? 'failed'})` : `${m.name} ${m.state}`;
    for (const f of m.features) out.set(f, out.has(f) ? `${out.get(f)}; ${what}` : what);
  }
  return out;
}

const mb = (n: number | undefined) => (n === undefined ? '?' : `${Math.round(n)} MB`);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A network error's code (DNS, refused, reset, timeout), on the error or its cause. */
function networkReason(e: unknown): string {
  const err = e as { code?: string; cause?: { code?: string } } | undefined;
  const code = err?.code ?? err?.cause?.code;
  return code && !message(e).includes(code) ? `${message(e)} (${code})` : message(e);
}

/** Errors the host answered with (HTTP status, checksum, cut-off body) rather than a host that cannot be reached. */
const answeredByHost = (e: unknown) => e instanceof DownloadError || e instanceof ChecksumError || e instanceof LicenceNotAcceptedError;

export class AutoPull {
  private readonly statuses: AutoPullModelStatus[];
  private readonly abort = new AbortController();
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private nextRetryAt?: string;
  private lastLoggedQuarter = new Map<string, number>();

  constructor(private readonly o: AutoPullOptions) {
    this.statuses = recommendedModels(o.modelsDir).map((m) => ({ name: m.name, features: m.features, sizeMB: m.sizeMB, state: 'waiting' }));
  }

  /** Starts the first round on the next turn of the event loop: start-up never waits for it. */
  start(): void {
    this.schedule(0);
  }

  /** Resolves when the current round (if any) has ended; for tests and `close`. */
  async settled(): Promise<void> {
    await this.round;
  }

  status(): AutoPullStatus {
    return { updatedAt: new Date().toISOString(), ...(this.nextRetryAt ? { nextRetryAt: this.nextRetryAt } : {}), models: this.statuses.map((s) => ({ ...s })) };
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.abort.abort();
    await this.round?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.round = this.runRound().catch((e) => this.o.log.warn({ err: e }, `model auto-pull stopped: ${message(e)}`));
    }, ms);
    this.timer.unref();
  }

  private async runRound(): Promise<void> {
    const { modelsDir, log } = this.o;
    const specs = recommendedModels(modelsDir);
    const missing = specs.filter((m) => !findModel(m, modelsDir).resolved);
    for (const s of this.statuses) if (!missing.some((m) => m.name === s.name)) s.state = 'installed';
    this.nextRetryAt = undefined;
    if (missing.length === 0) return this.save();
    mkdirSync(modelsDir, { recursive: true });
    if (!this.lock()) {
      // Another process sharing the folder is downloading: its models appear here when it is done, and
      // the status file stays its own (this process would only overwrite its progress with "waiting").
      this.retryLater();
      return;
    }
    const refresh = setInterval(() => this.touchLock(), LOCK_REFRESH_MS);
    refresh.unref();
    try {
      const total = missing.reduce((a, m) => a + (m.sizeMB ?? 0), 0);
      log.info(
        { models: missing.map((m) => m.name), modelsDir },
        `fetching the recommended models in the background (${missing.map((m) => `${m.name} ${mb(m.sizeMB)}`).join(', ')}; ${mb(total)} in all) into ${modelsDir}; ` +
          'features use their built-in engines until each model is verified. Turn this off with DARKROOM_MODELS_AUTO_PULL=false',
      );
      let failed = 0;
      for (const spec of missing) {
        if (this.abort.signal.aborted) return;
        if (!(await this.pullOne(spec))) failed++;
        // An unreachable host fails every model the same way: one line is enough.
        if (failed > 0 && this.statuses.find((s) => s.name === spec.name)?.error?.startsWith('unreachable')) {
          for (const s of this.statuses) if (s.state === 'waiting') (s.state = 'failed'), (s.error = 'not tried: the model host is unreachable');
          break;
        }
      }
      if (this.statuses.some((s) => s.state === 'failed')) this.retryLater();
    } finally {
      clearInterval(refresh);
      this.unlock();
      this.save();
    }
  }

  /** Pulls one model; true when it is installed and verified. */
  private async pullOne(spec: ModelSpec): Promise<boolean> {
    const { modelsDir, log } = this.o;
    const st = this.statuses.find((s) => s.name === spec.name)!;
    st.state = 'downloading';
    st.error = undefined;
    this.save();
    try {
      await pullModel(spec.name, {
        modelsDir,
        baseUrl: this.o.baseUrl,
        env: this.o.env,
        signal: this.abort.signal,
        onProgress: (p) => this.progress(st, p.received, p.total),
      });
      st.state = 'installed';
      log.info({ model: spec.name, features: spec.features }, `${spec.name} is installed and verified: ${spec.features.join(', ')} use it from the next task`);
      return true;
    } catch (e) {
      st.state = 'failed';
      if (this.abort.signal.aborted) {
        st.error = 'stopped with the server';
        return false;
      }
      const reachable = answeredByHost(e);
      st.error = reachable ? message(e) : `unreachable: ${networkReason(e)}`;
      log.warn(
        { model: spec.name, err: st.error },
        reachable
          ? `could not install ${spec.name}: ${st.error}; ${spec.features.join(', ')} keep their built-in engines; next try in ${Math.round(this.o.retryMs / 60_000)} min`
          : `the model host cannot be reached (${networkReason(e)}): features keep their built-in engines; next try in ${Math.round(this.o.retryMs / 60_000)} min (or run \`darkroom models pull --recommended\`)`,
      );
      return false;
    } finally {
      this.save();
    }
  }

  private progress(st: AutoPullModelStatus, received: number, total: number | undefined): void {
    st.received = received;
    st.total = total;
    if (!total) return;
    const quarter = Math.floor((4 * received) / total);
    if (quarter > (this.lastLoggedQuarter.get(st.name) ?? 0) && quarter < 4) {
      this.lastLoggedQuarter.set(st.name, quarter);
      this.o.log.info({ model: st.name, received, total }, `${st.name}: ${25 * quarter}% of ${mb(total / 1e6)}`);
      this.save();
    }
  }

  private retryLater(): void {
    this.nextRetryAt = new Date(Date.now() + this.o.retryMs).toISOString();
    if (!this.abort.signal.aborted) this.schedule(this.o.retryMs);
  }

  private save(): void {
    try {
      const file = path.join(this.o.modelsDir, STATUS_FILE);
      mkdirSync(this.o.modelsDir, { recursive: true });
      writeFileSync(`${file}.tmp`, JSON.stringify(this.status()));
      renameSync(`${file}.tmp`, file);
    } catch {
      /* a read-only models folder: the status stays in this process */
    }
  }

  private get lockFile(): string {
    return path.join(this.o.modelsDir, LOCK_FILE);
  }

  private lock(): boolean {
    try {
      writeFileSync(this.lockFile, `${hostname()} ${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch {
      try {
        if (Date.now() - statSync(this.lockFile).mtimeMs < LOCK_STALE_MS) return false;
        rmSync(this.lockFile, { force: true });
        writeFileSync(this.lockFile, `${hostname()} ${process.pid}\n`, { flag: 'wx' });
        return true;
      } catch {
        return false;
      }
    }
  }

  private touchLock(): void {
    const now = new Date();
    try {
      utimesSync(this.lockFile, now, now);
    } catch {
      /* removed under us: the next round takes it again */
    }
  }

  private unlock(): void {
    rmSync(this.lockFile, { force: true });
  }
}

/** Starts the background fetch for a server that runs engines; undefined when turned off or nothing is recommended. */
export function startAutoPull(o: AutoPullOptions & { enabled: boolean }): AutoPull | undefined {
  if (!o.enabled || !o.modelsDir || recommendedModels(o.modelsDir).length === 0) return undefined;
  const a = new AutoPull(o);
  a.start();
  return a;
}
