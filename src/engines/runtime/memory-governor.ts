/**
 * Keeps the process under a resident-memory budget (`engines.memoryTargetMb`) by giving back the
 * models of idle kernels before a call that would otherwise pass it. One governor per Darkroom
 * instance (app.ts makes it and hands it to the pool); nothing here is shared between instances.
 *
 * Every kernel module runs in threads of its own (pool.ts), so what a module's threads hold is that
 * module's models. They stay warm while the engines are in use, and all end once no call of any
 * kernel has run for the keep-warm time (`engines.idleReleaseMs`): a per-kernel timer dropped
 * ISNet in a mixed workload whenever another feature's tasks took longer than the keep-warm time
 * (out-paint on a loaded machine), and memory is the budget's business. A call is projected to
 * add the most its module's calls have added so far (counted apart for calls that start a thread,
 * which load the models, and calls on a running one; a module never seen yet, what its caller
 * declares (`firstCallMb`), else the median of what the others' first calls added), plus a margin
 * of an eighth of the budget for a call whose needs grew with its input. When that would pass the budget, idle kernels give back their threads (and
 * their models) least recently used first, until the call fits: ending every idle kernel, and
 * guessing an unseen module as hungry as the hungriest, made the first round of a mixed workload
 * drop the matting model the moment the first model-free kernel ran, and load it again in the next.
 * A steady mixed workload that fits therefore never reloads. A task is admitted as a
 * whole (asOneHold): if the tasks already admitted may still add enough to pass the budget, its call
 * waits for one of them to end (a task alone always runs).
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
  /** Its threads are running (and hold its models). */
  running(): boolean;
  /** Ends the threads (a no-op when busy or when none are running). */
  release(): Promise<void>;
}

export interface GovernorOptions {
  /** The budget in MB; 0 = none (threads then leave only after the keep-warm time). */
  budgetMb: number;
  /** How long idle pool threads keep their models before they exit; 0 = for good. */
  keepWarmMs: number;
  /** The process's resident memory in bytes (tests give their own). */
  readRss?: () => number;
}

const MB = 2 ** 20;
/** What a module is assumed to add before any call of any module has been measured. */
const FIRST_GUESS_BYTES = 256 * MB;
/** RSS is read this often while calls run: the peak of a native run is seen from outside. */
const SAMPLE_MS = 50;
/** Quiet time after the last call before memory is given back (a burst of calls is not slowed). */
const SETTLE_MS = 5_000;
/**
 * From this budget on, kernels may keep their faster, larger working sets (ISNet's full graph
 * optimisation and its arena: ~1.4 GB instead of ~0.3 GB between calls); below it they stay lean.
 */
const ROOMY_BUDGET_MB = 3072;

type Kind = 'cold' | 'warm';

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

export interface Watch {
  module: string;
  kind: Kind;
  startRss: number;
  peakRss: number;
  /** Another call ran during this one: its growth is in this one's figure. */
  overlapped: boolean;
  hold: Hold;
  /** Made outside any task: its hold ends with it. */
  lone: boolean;
}

const newHold = (): Hold => ({ expected: 0, startRss: 0, peakRss: 0, waiting: false });

export class MemoryGovernor {
  private budgetBytes: number;
  readonly keepWarmMs: number;
  private readonly holders = new Set<KernelThreads>();
  /** Largest rise of the process's RSS seen during one call of each module, by kind. */
  private readonly rises = { cold: new Map<string, number>(), warm: new Map<string, number>() };
  /**
   * Of a thread-starting call's rise, the part gone again when it ended (its working set, not its
   * models): what a module's first call on a warm thread is expected to add before one is measured.
   */
  private readonly transient = new Map<string, number>();
  /** Figures from a call that ran alone (not inflated by others' growth), by kind. */
  private readonly measuredAlone = { cold: new Set<string>(), warm: new Set<string>() };
  private readonly watches = new Set<Watch>();
  private sampler: NodeJS.Timeout | undefined;
  private idleTimers: NodeJS.Timeout[] = [];
  private readonly taskHold = new AsyncLocalStorage<Hold>();
  /** Holds that have been admitted and not yet ended. */
  private readonly holds = new Set<Hold>();
  private readonly endWaiters = new Set<() => void>();
  /** Threads started per kernel module: each start loads that module's models. */
  private readonly starts = new Map<string, number>();
  /** When each module's last call ended (or began, while one runs): idle kernels give way oldest first. */
  private readonly lastUsed = new Map<string, number>();
  private useClock = 0;
  private readonly rss: () => number;

  constructor(opts: GovernorOptions) {
    this.budgetBytes = Math.max(0, opts.budgetMb) * MB;
    this.keepWarmMs = opts.keepWarmMs;
    this.rss = opts.readRss ?? (() => process.memoryUsage.rss());
  }

  /** The budget in MB (0 = none). */
  get budgetMb(): number {
    return this.budgetBytes / MB;
  }

  /** For tests: changes the budget of a running governor. */
  setBudgetMb(mb: number): void {
    this.budgetBytes = Math.max(0, mb) * MB;
  }

  /** The budget leaves room for kernels' faster, larger working sets (none set counts as room). */
  get roomy(): boolean {
    return this.budgetBytes === 0 || this.budgetMb >= ROOMY_BUDGET_MB;
  }

  register(t: KernelThreads): void {
    this.holders.add(t);
  }

  unregister(t: KernelThreads): void {
    this.holders.delete(t);
  }

  /** A thread of `module` started (and so loads its models). */
  threadStarted(module: string): void {
    this.starts.set(module, (this.starts.get(module) ?? 0) + 1);
  }

  /** Threads started so far, by kernel module (file URL). */
  threadStarts(): ReadonlyMap<string, number> {
    return this.starts;
  }

  /**
   * Runs one task's engine work as one hold: every pool call it makes is admitted against the
   * budget as part of it, and what it reserved is given up when `work` settles.
   */
  readonly asOneHold = async <T>(work: () => Promise<T>): Promise<T> => {
    const hold = newHold();
    try {
      return await this.taskHold.run(hold, work);
    } finally {
      this.endHold(hold);
    }
  };

  /**
   * Call before a call of `caller` is handed to its threads: releases other modules' idle threads if
   * the call could otherwise take the process past the budget, and while it still could because of
   * other tasks (or lone calls) already admitted, waits for one of them to end; a task with nothing
   * else admitted always runs. Returns what `callEnded` needs; undefined when `signal` aborted while
   * waiting.
   */
  async beforeCall(caller: KernelThreads, signal?: AbortSignal, firstCallMb?: number): Promise<Watch | undefined> {
    const taskOwn = this.taskHold.getStore();
    const hold = taskOwn ?? newHold();
    const kind = (): Kind => (caller.needsNewThread() ? 'cold' : 'warm');
    const projected = () => this.rss() + this.expectedRise(caller.module, kind(), firstCallMb) + this.stillToCome(hold);
    this.lastUsed.set(caller.module, ++this.useClock);
    if (this.budgetBytes > 0) {
      const over = projected() + this.budgetBytes / 8 - this.budgetBytes;
      if (over > 0) await this.makeRoom(caller, over);
      // Nothing may be awaited between the last check and admitting the hold: the next waiter to
      // resume must see it.
      hold.waiting = true;
      try {
        while (this.othersHolding(hold) && projected() > this.budgetBytes) {
          await this.nextEnd(signal);
          if (signal?.aborted) return undefined;
        }
      } finally {
        hold.waiting = false;
      }
    }
    const start = this.rss();
    const k = kind();
    if (!this.holds.has(hold)) {
      Object.assign(hold, { startRss: start, peakRss: start });
      this.holds.add(hold);
    }
    hold.expected = Math.max(hold.expected, this.expectedRise(caller.module, k, firstCallMb));
    const watch: Watch = { module: caller.module, kind: k, startRss: start, peakRss: start, overlapped: this.watches.size > 0, hold, lone: !taskOwn };
    for (const w of this.watches) w.overlapped = true;
    if (this.watches.size === 0) this.cancelGiveBack();
    this.watches.add(watch);
    this.sampler ??= setInterval(() => this.sample(), SAMPLE_MS).unref();
    return watch;
  }

  /**
   * Records how much the process grew during the call. A call that overlapped others is charged
   * their growth too, so its figure counts only while its module has none from a call that ran alone.
   */
  callEnded(watch: Watch): void {
    this.sample();
    this.watches.delete(watch);
    this.lastUsed.set(watch.module, ++this.useClock);
    if (this.watches.size === 0) {
      if (this.holds.size === 0) this.stopSampling();
      this.scheduleGiveBack();
    }
    const rise = watch.peakRss - watch.startRss;
    if (watch.kind === 'cold') this.transient.set(watch.module, Math.max(this.transient.get(watch.module) ?? 0, watch.peakRss - this.rss()));
    const [byModule, alone] = [this.rises[watch.kind], this.measuredAlone[watch.kind]];
    if (!watch.overlapped) {
      const prior = alone.has(watch.module) ? (byModule.get(watch.module) ?? 0) : 0;
      alone.add(watch.module);
      byModule.set(watch.module, Math.max(prior, rise));
    } else if (!alone.has(watch.module)) {
      byModule.set(watch.module, Math.max(byModule.get(watch.module) ?? 0, rise));
    }
    // A lone call's hold ends with it; a task's, when the task does (asOneHold).
    if (watch.lone) this.endHold(watch.hold);
    this.wakeWaiters();
  }

  /** Stops the timers (the pool's threads are ended by the pool). */
  close(): void {
    this.cancelGiveBack();
    this.stopSampling();
  }

  private expectedRise(module: string, kind: Kind, firstCallMb?: number): number {
    const known = this.rises[kind].get(module) ?? (kind === 'warm' ? (this.transient.get(module) ?? this.rises.cold.get(module)) : undefined);
    if (known !== undefined) return known;
    if (firstCallMb !== undefined) return firstCallMb * MB;
    const seen = [...this.rises.cold.values()].sort((a, b) => a - b);
    return seen.length ? Math.max(FIRST_GUESS_BYTES, seen[Math.floor(seen.length / 2)]) : FIRST_GUESS_BYTES;
  }

  /**
   * Ends idle kernels' threads, least recently used first, until about `bytes` have been given
   * back by the estimate of what each holds (the most its thread-starting call added).
   */
  private async makeRoom(caller: KernelThreads, bytes: number): Promise<void> {
    const idle = [...this.holders]
      .filter((h) => h !== caller && !h.busy() && h.running())
      .sort((a, b) => (this.lastUsed.get(a.module) ?? 0) - (this.lastUsed.get(b.module) ?? 0));
    let freed = 0;
    for (const h of idle) {
      if (freed >= bytes) break;
      freed += this.rises.cold.get(h.module) ?? FIRST_GUESS_BYTES;
      await h.release();
    }
  }

  /** What the other admitted holds may still add: each one's expected rise less what it has added so far. */
  private stillToCome(own: Hold): number {
    let sum = 0;
    for (const h of this.holds) if (h !== own && !h.waiting) sum += Math.max(0, h.expected - (h.peakRss - h.startRss));
    return sum;
  }

  private othersHolding(own: Hold): boolean {
    return [...this.holds].some((h) => h !== own && !h.waiting);
  }

  private endHold(hold: Hold): void {
    if (!this.holds.delete(hold)) return;
    if (this.holds.size === 0 && this.watches.size === 0) this.stopSampling();
    this.wakeWaiters();
  }

  private sample(): void {
    const now = this.rss();
    for (const w of this.watches) w.peakRss = Math.max(w.peakRss, now);
    for (const h of this.holds) h.peakRss = Math.max(h.peakRss, now);
  }

  private stopSampling(): void {
    clearInterval(this.sampler);
    this.sampler = undefined;
  }

  private wakeWaiters(): void {
    for (const wake of [...this.endWaiters]) wake();
  }

  /** Resolves when a call or a hold ends, or when `signal` aborts. */
  private nextEnd(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.endWaiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.endWaiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private scheduleGiveBack(): void {
    this.cancelGiveBack();
    const later = (ms: number, fn: () => Promise<void>) => setTimeout(() => void fn().catch(() => undefined), ms).unref();
    this.idleTimers = [later(SETTLE_MS, giveBack)];
    if (this.keepWarmMs > 0) this.idleTimers.push(later(this.keepWarmMs, () => this.releaseIdle().then(giveBack)));
  }

  /** Ends the threads of every kernel with no call in flight. */
  private async releaseIdle(): Promise<void> {
    await Promise.all([...this.holders].filter((h) => !h.busy()).map((h) => h.release()));
  }

  private cancelGiveBack(): void {
    for (const t of this.idleTimers) clearTimeout(t);
    this.idleTimers = [];
  }
}

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
