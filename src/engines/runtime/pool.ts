import { Piscina } from 'piscina';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkerPool } from '../engine.js';
import { TaskAbortedError } from '../errors.js';
import { newCallFlags, outsideNativeRuns } from './native-guard.js';

/** Same extension as this file: `.ts` when run from source through tsx, `.js` when built. */
export function siblingModule(importMetaUrl: string, name: string): string {
  const ext = importMetaUrl.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${name}${ext}`, importMetaUrl));
}

export interface WorkerPoolOptions {
  /**
   * A thread idle this long exits, and with it its isolate and every model session it loaded: the
   * process's memory returns near its idle baseline. The next call starts a thread and loads again.
   * 0 keeps every thread (started with the pool) for the life of the process.
   */
  idleMs?: number;
}

/** Default idle time of a thread before it exits (config `engines.idleReleaseMs`). */
export const DEFAULT_IDLE_MS = 30_000;

/** Piscina-backed pool: threads are reused while busy, so a module's models load once per thread. */
export function createWorkerPool(threads: number, opts: WorkerPoolOptions = {}): WorkerPool {
  const piscina = new Piscina({
    filename: pathToFileURL(siblingModule(import.meta.url, 'thread-entry')).href,
    minThreads: opts.idleMs === 0 ? Math.max(1, threads) : 0,
    maxThreads: Math.max(1, threads),
    idleTimeout: opts.idleMs || DEFAULT_IDLE_MS,
    // A worker must run module code that was started with the tsx loader in development.
    execArgv: process.execArgv,
  });
  /** Flags of the calls in flight, so destroy() never terminates a thread inside a session run. */
  const inFlight = new Set<Int32Array>();
  return {
    size: Math.max(1, threads),
    async run<T>(modulePath: string | URL, fn: string, args: unknown, opts: { signal?: AbortSignal; transferList?: ArrayBuffer[] } = {}) {
      const href = modulePath instanceof URL ? modulePath.href : modulePath.startsWith('file:') ? modulePath : pathToFileURL(modulePath).href;
      if (opts.signal?.aborted) throw new TaskAbortedError();
      const flags = newCallFlags();
      // Piscina drops a queued call on abort and terminates the thread of a running one: the
      // caller's abort reaches it only once no onnxruntime run is in flight in that thread.
      const stop = new AbortController();
      const onAbort = () => void outsideNativeRuns(flags).then(() => stop.abort());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      inFlight.add(flags);
      try {
        return (await piscina.run({ modulePath: href, fn, args, flags }, { signal: stop.signal, transferList: opts.transferList })) as T;
      } catch (e) {
        if (opts.signal?.aborted) throw new TaskAbortedError();
        throw e;
      } finally {
        inFlight.delete(flags);
        opts.signal?.removeEventListener('abort', onAbort);
      }
    },
    async destroy() {
      await Promise.all([...inFlight].map(outsideNativeRuns));
      await piscina.destroy();
    },
  };
}
