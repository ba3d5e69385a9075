import { Piscina } from 'piscina';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkerPool } from '../engine.js';
import { TaskAbortedError } from '../errors.js';
import { MemoryGovernor, type KernelThreads } from './memory-governor.js';
import { newCallFlags, outsideNativeRuns } from './native-guard.js';

/** Same extension as this file: `.ts` when run from source through tsx, `.js` when built. */
export function siblingModule(importMetaUrl: string, name: string): string {
  const ext = importMetaUrl.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${name}${ext}`, importMetaUrl));
}

export interface WorkerPoolOptions {
  /**
   * Keep-warm time: once no call has run for this long, every thread exits, and with it its isolate
   * and every model session it loaded: the process's memory returns near its idle baseline. The
   * next call starts a thread and loads again. 0 keeps every thread (started with its module's
   * first call) for the life of the process. Ignored when `governor` is given (its keep-warm time counts).
   */
  idleMs?: number;
  /** The memory governor of the Darkroom instance (app.ts); without one the pool has no budget. */
  governor?: MemoryGovernor;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Default keep-warm time of an idle thread (config `engines.idleReleaseMs`), as Immich keeps its models 5 minutes. */
export const DEFAULT_IDLE_MS = 300_000;

const THREAD_ENTRY = pathToFileURL(siblingModule(import.meta.url, 'thread-entry')).href;
/** As thread-entry.ts posts it when a thread starts (not imported: that module runs only in threads). */
const THREAD_STARTED = 'darkroom:thread-started';

type CallOptions = Parameters<WorkerPool['run']>[3] & object;

/**
 * The threads that run one kernel module. A thread that ran several modules kept every model they
 * loaded (the matting, face and upscaling models side by side in each thread); one module per
 * thread keeps one copy of each, and lets the memory governor end the threads of an idle module.
 */
class ModuleThreads implements KernelThreads {
  private piscina: Piscina | undefined;
  /** Flags of the calls queued or running, so ending the threads never cuts a session run short. */
  private readonly inFlight = new Set<Int32Array>();
  /** Set by destroy(): a call still waiting for memory never starts threads again. */
  private closed = false;

  constructor(
    readonly module: string,
    private readonly threads: number,
    private readonly idleMs: number,
    private readonly governor: MemoryGovernor,
  ) {}

  busy(): boolean {
    return this.inFlight.size > 0;
  }

  running(): boolean {
    return (this.piscina?.threads.length ?? 0) > 0;
  }

  needsNewThread(): boolean {
    // The call asking is already counted in inFlight.
    const running = this.piscina?.threads.length ?? 0;
    return running < Math.min(this.threads, this.inFlight.size);
  }

  private threadsNow(): Piscina {
    if (this.piscina) return this.piscina;
    this.piscina = new Piscina({
      filename: THREAD_ENTRY,
      minThreads: this.idleMs === 0 ? this.threads : 0,
      maxThreads: this.threads,
      // The governor ends idle threads (keep-warm after the last call of any kernel, or the
      // budget); Piscina's per-thread timer would drop a kernel's models in a busy mixed workload.
      idleTimeout: MAX_TIMER_MS,
      // The thread's event loop must turn between calls so it can collect once idle (thread-entry.ts);
      // parked in Atomics.wait it would not. A call then arrives by message, a fraction of a millisecond later.
      useAtomics: false,
      // A worker must run module code that was started with the tsx loader in development.
      execArgv: process.execArgv,
    });
    this.piscina.on('message', (m) => m === THREAD_STARTED && this.governor.threadStarted(this.module));
    return this.piscina;
  }

  async run<T>(fn: string, args: unknown, opts: CallOptions): Promise<T> {
    const flags = newCallFlags();
    this.inFlight.add(flags);
    let watch;
    try {
      watch = await this.governor.beforeCall(this, opts.signal, opts.firstCallMb);
    } finally {
      if (!watch) this.inFlight.delete(flags);
    }
    if (!watch) throw new TaskAbortedError();
    // Piscina drops a queued call on abort and terminates the thread of a running one: the
    // caller's abort reaches it only once no onnxruntime run is in flight in that thread.
    const stop = new AbortController();
    const onAbort = () => void outsideNativeRuns(flags).then(() => stop.abort());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // A call that waited for memory while the pool was destroyed never starts threads again.
      if (opts.signal?.aborted || this.closed) throw new TaskAbortedError();
      return (await this.threadsNow().run({ modulePath: this.module, fn, args, flags }, { signal: stop.signal, transferList: opts.transferList })) as T;
    } catch (e) {
      if (opts.signal?.aborted) throw new TaskAbortedError();
      throw e;
    } finally {
      this.inFlight.delete(flags);
      opts.signal?.removeEventListener('abort', onAbort);
      this.governor.callEnded(watch);
    }
  }

  async release(): Promise<void> {
    if (this.busy() || !this.piscina) return;
    const piscina = this.piscina;
    this.piscina = undefined;
    await piscina.destroy();
  }

  async destroy(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.inFlight].map(outsideNativeRuns));
    const piscina = this.piscina;
    this.piscina = undefined;
    await piscina?.destroy();
  }
}

/**
 * Piscina-backed pool: each kernel module gets up to `threads` threads of its own, reused while
 * busy, so a module's models load once per thread and no thread holds another module's.
 */
export function createWorkerPool(threads: number, opts: WorkerPoolOptions = {}): WorkerPool {
  const size = Math.max(1, threads);
  const ownGovernor = !opts.governor;
  const governor = opts.governor ?? new MemoryGovernor({ budgetMb: 0, keepWarmMs: opts.idleMs ?? DEFAULT_IDLE_MS });
  const byModule = new Map<string, ModuleThreads>();
  const threadsOf = (href: string, wanted: number | undefined) => {
    let m = byModule.get(href);
    if (!m) {
      m = new ModuleThreads(href, Math.max(1, Math.min(size, wanted ?? size)), governor.keepWarmMs, governor);
      byModule.set(href, m);
      governor.register(m);
    }
    return m;
  };
  return {
    size,
    roomyMemory: governor.roomy,
    asOneTask: governor.asOneHold,
    async run<T>(modulePath: string | URL, fn: string, args: unknown, callOpts: CallOptions = {}) {
      const href = modulePath instanceof URL ? modulePath.href : modulePath.startsWith('file:') ? modulePath : pathToFileURL(modulePath).href;
      if (callOpts.signal?.aborted) throw new TaskAbortedError();
      return threadsOf(href, callOpts.threads).run<T>(fn, args, callOpts);
    },
    async destroy() {
      const all = [...byModule.values()];
      byModule.clear();
      for (const m of all) governor.unregister(m);
      await Promise.all(all.map((m) => m.destroy()));
      if (ownGovernor) governor.close();
    },
  };
}
