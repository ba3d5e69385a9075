/**
 * Worker-thread entry for the engine pool: imports the requested module once per thread (so its
 * models stay loaded) and calls the named export.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { CANCELLED, IN_NATIVE } from './native-guard.js';

const modules = new Map<string, Promise<Record<string, unknown>>>();

let tsxRegistered: Promise<void> | undefined;
function registerTsx(): Promise<void> {
  tsxRegistered ??= import('tsx/esm/api').then((api) => {
    api.register();
  });
  return tsxRegistered;
}

/** Flags shared with the pool for the call this thread is running (a thread runs one call at a time). */
let current: Int32Array | undefined;

class RunCancelledError extends Error {
  constructor() {
    super('the task was cancelled');
    this.name = 'AbortError';
  }
}

/**
 * Terminating a worker while onnxruntime-node runs a session in it aborts the whole process
 * (SIGABRT: the run's completion throws into an environment that is gone). Every session run in
 * this thread is counted in the call's shared flags, so the pool stops the thread only between
 * runs; a run that would start after the cancellation is refused instead.
 */
let guarded: Promise<void> | undefined;
function guardOnnxRuns(): Promise<void> {
  guarded ??= import('onnxruntime-node').then(
    (ort) => {
      const proto = (ort.InferenceSession as unknown as { prototype: { run: (...a: unknown[]) => Promise<unknown> } }).prototype as { run: (...a: unknown[]) => Promise<unknown> };
      const run = proto.run;
      proto.run = async function guardedRun(this: unknown, ...a: unknown[]) {
        const flags = current;
        if (!flags) return run.apply(this, a);
        Atomics.add(flags, IN_NATIVE, 1);
        try {
          // Checked after announcing the run: the pool sets CANCELLED before it reads IN_NATIVE, so one of the two always sees the other.
          if (Atomics.load(flags, CANCELLED)) throw new RunCancelledError();
          return await run.apply(this, a);
        } finally {
          Atomics.sub(flags, IN_NATIVE, 1);
          Atomics.notify(flags, IN_NATIVE);
        }
      };
    },
    // Without onnxruntime-node installed nothing can run a session here.
    () => undefined,
  );
  return guarded;
}

/**
 * A kernel's full-size planes (a 4096² photo's float plane is 64 MB; relighting keeps a dozen) are
 * garbage once it returns, but an idle thread runs no GC, so they stayed resident until the thread
 * did something else or exited. Above this much ArrayBuffer memory the thread collects right after
 * the call (a full GC of a worker's small heap takes milliseconds); large blocks are mmapped on
 * their own (MALLOC_MMAP_THRESHOLD_, bin/darkroom.js), so they go back to the system at once.
 */
const COLLECT_ABOVE_BYTES = 32 * 2 ** 20;
let collect: (() => void) | undefined;
function collectGarbage(): void {
  // This isolate's ArrayBuffers (a worker's process.memoryUsage() reports its own heap).
  if (process.memoryUsage().arrayBuffers < COLLECT_ABOVE_BYTES) return;
  if (!collect) {
    // Workers cannot take --expose-gc from execArgv; a context made after the flag is set has gc().
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
}

export interface WorkerCall {
  modulePath: string;
  fn: string;
  args: unknown;
  /** See native-guard.ts. */
  flags?: Int32Array;
}

export default async function runInWorker({ modulePath, fn, args, flags }: WorkerCall): Promise<unknown> {
  await guardOnnxRuns();
  let mod = modules.get(modulePath);
  if (!mod) {
    // `--import tsx` in execArgv does not hook dynamic import() inside worker threads on Node 20: register it here.
    if (modulePath.endsWith('.ts')) await registerTsx();
    mod = import(modulePath) as Promise<Record<string, unknown>>;
    modules.set(modulePath, mod);
  }
  const target = (await mod)[fn];
  if (typeof target !== 'function') throw new Error(`${modulePath} has no export ${fn}`);
  current = flags;
  try {
    return await (target as (a: unknown) => unknown)(args);
  } finally {
    current = undefined;
    // Now, not on a later turn: between calls Piscina parks the thread in Atomics.wait, so its event
    // loop does not turn until the next call arrives. The result is still referenced here (kept).
    collectGarbage();
  }
}
