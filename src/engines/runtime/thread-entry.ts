/**
 * Worker-thread entry for the engine pool: imports the requested module once per thread (so its
 * models stay loaded) and calls the named export.
 */
import { parentPort } from 'node:worker_threads';
import { collectIfAbove, externalBytes } from './collect.js';
import { CANCELLED, IN_NATIVE } from './native-guard.js';

/** Piscina passes this on as the pool's 'message' event: the pool counts thread starts (model loads) with it. */
export const THREAD_STARTED = 'darkroom:thread-started';
parentPort?.postMessage(THREAD_STARTED);

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
 * garbage once it returns, and an idle isolate does not collect them (see collect.ts). The
 * collection waits until the thread has had no call for a moment: run after every call it cost a
 * full collection of a large heap (tfjs's Human) on each call's path, and back-to-back calls
 * (enhance's tiles) reuse the memory anyway. It runs only when the thread holds 32 MB more outside
 * its heap than right after its last collection: what a collection cannot free (a tfjs-wasm
 * module's memory: 88 MB in the NSFW thread) no longer sets off one after every call — the NSFW
 * thread's, 1 s after its check, fell in the middle of the same task's matte (26–129 ms of a core).
 */
const COLLECT_ABOVE_BYTES = 32 * 2 ** 20;
const COLLECT_WHEN_IDLE_MS = 1_000;
let idleCollect: NodeJS.Timeout | undefined;
/** What this thread held outside its heap right after its last idle collection. */
let heldAfterCollect = 0;

function collectNewGarbage(): void {
  if (collectIfAbove(heldAfterCollect + COLLECT_ABOVE_BYTES)) heldAfterCollect = externalBytes();
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
  clearTimeout(idleCollect);
  current = flags;
  try {
    return await (target as (a: unknown) => unknown)(args);
  } finally {
    current = undefined;
    // The pool runs Piscina without Atomics (pool.ts), so this thread's event loop turns between calls.
    idleCollect = setTimeout(collectNewGarbage, COLLECT_WHEN_IDLE_MS);
    idleCollect.unref();
  }
}
