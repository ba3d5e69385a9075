/**
 * Keeps the process under a resident-memory target (`engines.memoryTargetMb`) by giving back the
 * models of idle kernels before a call that would otherwise pass it.
 *
 * Every kernel module runs in threads of its own (pool.ts), so what a module's threads hold is that
 * module's models. Before a call starts, the idle threads of every other module are ended (their
 * models go with them; the next call to them loads again) when either
 * - the process already holds more than half the target: what idle kernels keep is capped, so the
 *   rest is room for a call whose needs grew with its input (a 4096² photo after 1-MP ones), or
 * - its RSS plus the most that module's calls have added so far would pass the target: counted
 *   apart for calls that start a thread (which load the models) and calls on a running one; a
 *   module never seen yet is assumed to need as much as the hungriest one seen.
 * Below half the target nothing is released, so a steady workload keeps its models warm. A task
 * is admitted as a whole (asOneHold): if the tasks already admitted may still add enough to pass
 * the target, its call waits for one of them to end (a task alone always runs).
 *
 * Once no call has run for a few seconds, and again after idle threads have exited, the calling
 * (API) thread collects its garbage and malloc hands its free pages back (see giveBack).
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { collectGarbage } from './collect.js';
import { trimMalloc } from './malloc-trim.js';

/** One kernel module's threads, as the pool that owns them exposes them here. */
export interface KernelThreads {
  /** The kernel module (its file URL): what its calls have needed is remembered under it. */
  readonly module: string;
  /** A call of this module is queued or running. */
  busy(): boolean;
  /** The next call needs a thread that does not run yet (and so loads the module's models). */
  needsNewThread(): boolean;
  /** Ends the threads (a no-op when busy or when none are running). */
  release(): Promise<void>;
}

/** What a module is assumed to add before any call of any module has been measured. */
const FIRST_GUESS_BYTES = 256 * 2 ** 20;
/** RSS is read this often while calls run: the peak of a native run is seen from outside. */
const SAMPLE_MS = 50;

let targetBytes = 0;
const holders = new Set<KernelThreads>();
/**
 * Largest rise of the process's RSS seen during one call of each module, apart for calls that
 * started a thread (they load the models: "cold") and calls on a running one ("warm").
 */
const rises = { cold: new Map<string, number>(), warm: new Map<string, number>() };
/** Figures from a call that ran alone (not inflated by others' growth), by kind. */
const measuredAlone = { cold: new Set<string>(), warm: new Set<string>() };

interface Watch {
  module: string;
  kind: 'cold' | 'warm';
  /** What the call was expected to add when it started. */
  expected: number;
  startRss: number;
  peakRss: number;
  /** Another call ran during this one: its growth is in this one's figure. */
  overlapped: boolean;
  hold: Hold;
  /** Made outside any task: its hold ends with it. */
  lone: boolean;
}
const watches = new Set<Watch>();
let sampler: NodeJS.Timeout | undefined;

const rss = () => process.memoryUsage.rss();

/** Quiet time after the last call before memory is given back (a burst of calls is not slowed). */
const SETTLE_MS = 5_000;
/** How long pool threads stay idle before they exit (config `engines.idleReleaseMs`); 0 = they stay. */
let threadIdleMs = 30_000;
let idleTimers: NodeJS.Timeout[] = [];

/**
 * The API thread hands pixels to pool threads in SharedArrayBuffers and keeps sharp's output
 * buffers; an idle isolate does not collect, so after a 4096² photo two or three 48 MB buffers
 * stayed resident. Exited threads and finished calls leave free pages inside malloc's heaps,
 * which glibc returns only when asked.
 */
async function giveBack(): Promise<void> {
  collectGarbage();
  await trimMalloc();
}

function scheduleGiveBack(): void {
  cancelGiveBack();
  const delays = threadIdleMs > 0 ? [SETTLE_MS, threadIdleMs + SETTLE_MS] : [SETTLE_MS];
  idleTimers = delays.map((ms) => setTimeout(() => void giveBack().catch(() => undefined), ms).unref());
}

function cancelGiveBack(): void {
  for (const t of idleTimers) clearTimeout(t);
  idleTimers = [];
}

/** Tells when idle pool threads exit, so memory is given back after they have. */
export function setThreadIdleMs(ms: number): void {
  threadIdleMs = ms;
}

/** Sets the target in MB; 0 turns it off (threads then leave only when idle, `engines.idleReleaseMs`). */
export function setMemoryTarget(mb: number): void {
  targetBytes = Math.max(0, mb) * 2 ** 20;
}

export function registerThreads(t: KernelThreads): void {
  holders.add(t);
}

export function unregisterThreads(t: KernelThreads): void {
  holders.delete(t);
}

function expectedRise(module: string, kind: 'cold' | 'warm'): number {
  const known = rises[kind].get(module) ?? (kind === 'warm' ? rises.cold.get(module) : undefined);
  if (known !== undefined) return known;
  let hungriest = FIRST_GUESS_BYTES;
  for (const r of rises.cold.values()) hungriest = Math.max(hungriest, r);
  return hungriest;
}

/**
 * What admission reserves memory for: one task's engine work, from its first pool call until the
 * task ends (between two calls a task still holds its photo and models, and its next call is part
 * of the same plan), or a lone call made outside any task.
 */
interface Hold {
  /** The most any of its calls was expected to add. */
  expected: number;
  startRss: number;
  peakRss: number;
  /** Waiting for admission itself: it must not hold others back (two waiters would wait forever). */
  waiting: boolean;
}

const taskHold = new AsyncLocalStorage<Hold>();
/** Holds that have been admitted and not yet ended. */
const holds = new Set<Hold>();

const newHold = (): Hold => ({ expected: 0, startRss: 0, peakRss: 0, waiting: false });

/**
 * Runs one task's engine work as one hold: every pool call it makes is admitted against the target
 * as part of it, and what it reserved is given up when `work` settles.
 */
export async function asOneHold<T>(work: () => Promise<T>): Promise<T> {
  const hold = newHold();
  try {
    return await taskHold.run(hold, work);
  } finally {
    endHold(hold);
  }
}

function endHold(hold: Hold): void {
  if (!holds.delete(hold)) return;
  if (holds.size === 0 && watches.size === 0) stopSampling();
  wakeWaiters();
}

function sample(): void {
  const now = rss();
  for (const w of watches) w.peakRss = Math.max(w.peakRss, now);
  for (const h of holds) h.peakRss = Math.max(h.peakRss, now);
}

function stopSampling(): void {
  clearInterval(sampler);
  sampler = undefined;
}

/** What the other admitted holds may still add: each one's expected rise less what it has added so far. */
function stillToCome(own: Hold): number {
  let sum = 0;
  for (const h of holds) if (h !== own && !h.waiting) sum += Math.max(0, h.expected - (h.peakRss - h.startRss));
  return sum;
}

const othersHolding = (own: Hold) => [...holds].some((h) => h !== own && !h.waiting);

const endWaiters = new Set<() => void>();

function wakeWaiters(): void {
  for (const wake of [...endWaiters]) wake();
}

/** Resolves when a call or a hold ends, or when `signal` aborts. */
function nextEnd(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      endWaiters.delete(done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    endWaiters.add(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Call before a call of `caller` is handed to its threads: releases other modules' idle threads if
 * the call could otherwise take the process past the target, and while it still could because of
 * other tasks (or lone calls) already admitted, waits for one of them to end; a task with nothing
 * else admitted always runs. Returns what `callEnded` needs; undefined when `signal` aborted while
 * waiting.
 */
export async function beforeCall(caller: KernelThreads, signal?: AbortSignal): Promise<Watch | undefined> {
  const taskOwn = taskHold.getStore();
  const hold = taskOwn ?? newHold();
  const kind = () => (caller.needsNewThread() ? 'cold' : 'warm');
  const projected = () => rss() + expectedRise(caller.module, kind()) + stillToCome(hold);
  if (targetBytes > 0) {
    if (rss() > targetBytes / 2 || projected() > targetBytes) {
      const idle = [...holders].filter((h) => h !== caller && !h.busy());
      await Promise.all(idle.map((h) => h.release()));
    }
    // Nothing may be awaited between the last check and admitting the hold: the next waiter to
    // resume must see it.
    hold.waiting = true;
    try {
      while (othersHolding(hold) && projected() > targetBytes) {
        await nextEnd(signal);
        if (signal?.aborted) return undefined;
      }
    } finally {
      hold.waiting = false;
    }
  }
  const start = rss();
  const k = kind();
  const expected = expectedRise(caller.module, k);
  if (!holds.has(hold)) {
    Object.assign(hold, { startRss: start, peakRss: start });
    holds.add(hold);
  }
  hold.expected = Math.max(hold.expected, expected);
  const watch: Watch = { module: caller.module, kind: k, expected, startRss: start, peakRss: start, overlapped: watches.size > 0, hold, lone: !taskOwn };
  for (const w of watches) w.overlapped = true;
  if (watches.size === 0) cancelGiveBack();
  watches.add(watch);
  sampler ??= setInterval(sample, SAMPLE_MS).unref();
  return watch;
}

/**
 * Records how much the process grew during the call. A call that overlapped others is charged
 * their growth too, so its figure counts only while its module has none from a call that ran alone.
 */
export function callEnded(watch: Watch): void {
  sample();
  watches.delete(watch);
  if (watches.size === 0) {
    if (holds.size === 0) stopSampling();
    scheduleGiveBack();
  }
  const rise = watch.peakRss - watch.startRss;
  const [byModule, alone] = [rises[watch.kind], measuredAlone[watch.kind]];
  if (!watch.overlapped) {
    const prior = alone.has(watch.module) ? (byModule.get(watch.module) ?? 0) : 0;
    alone.add(watch.module);
    byModule.set(watch.module, Math.max(prior, rise));
  } else if (!alone.has(watch.module)) {
    byModule.set(watch.module, Math.max(byModule.get(watch.module) ?? 0, rise));
  }
  // A lone call's hold ends with it; a task's, when the task does (asOneHold).
  if (watch.lone) endHold(watch.hold);
  wakeWaiters();
}

/** For tests: forget every measurement. */
export function forgetMeasurements(): void {
  for (const kind of ['cold', 'warm'] as const) {
    rises[kind].clear();
    measuredAlone[kind].clear();
  }
}
