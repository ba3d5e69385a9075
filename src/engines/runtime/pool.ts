import { Piscina } from 'piscina';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkerPool } from '../engine.js';
import { TaskAbortedError } from '../errors.js';

/** Same extension as this file: `.ts` when run from source through tsx, `.js` when built. */
export function siblingModule(importMetaUrl: string, name: string): string {
  const ext = importMetaUrl.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${name}${ext}`, importMetaUrl));
}

/** Piscina-backed pool: threads are reused, so a module's models load once per thread. */
export function createWorkerPool(threads: number): WorkerPool {
  const piscina = new Piscina({
    filename: pathToFileURL(siblingModule(import.meta.url, 'thread-entry')).href,
    minThreads: 0,
    maxThreads: Math.max(1, threads),
    idleTimeout: 10 * 60_000,
    // A worker must run module code that was started with the tsx loader in development.
    execArgv: process.execArgv,
  });
  return {
    size: Math.max(1, threads),
    async run<T>(modulePath: string | URL, fn: string, args: unknown, opts: { signal?: AbortSignal; transferList?: ArrayBuffer[] } = {}) {
      const href = modulePath instanceof URL ? modulePath.href : modulePath.startsWith('file:') ? modulePath : pathToFileURL(modulePath).href;
      try {
        return (await piscina.run({ modulePath: href, fn, args }, { signal: opts.signal, transferList: opts.transferList })) as T;
      } catch (e) {
        if (opts.signal?.aborted) throw new TaskAbortedError();
        throw e;
      }
    },
    async destroy() {
      await piscina.destroy();
    },
  };
}
