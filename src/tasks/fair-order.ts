import { systemClock, type Clock } from '../util/clock.js';

/**
 * Which key's task runs next when a slot frees: round-robin over the keys that have queued work,
 * each key capped at `perKeyConcurrency` running tasks while another key below its cap has work
 * queued. When every waiting key is at its cap, the one running the fewest tasks goes over it, but
 * never into the last free slot while another key that queued work within `activeWindowMs` could
 * start a task: that key's next task then starts at once instead of waiting for a heavy one to end.
 * A key alone on the server uses every slot.
 */
export class FairOrder {
  /** Queued task ids per key; a key is present only while it has queued work, in round-robin order. */
  private readonly queued = new Map<string, string[]>();
  private readonly runningPerKey = new Map<string, number>();
  /** When each key last queued a task, to tell whether a key is alone on the server. */
  private readonly lastQueuedAt = new Map<string, number>();

  constructor(
    private readonly perKeyConcurrency: number,
    private readonly activeWindowMs = 60_000,
    private readonly clock: Clock = systemClock,
  ) {}

  get queuedCount(): number {
    let n = 0;
    for (const ids of this.queued.values()) n += ids.length;
    return n;
  }

  push(key: string, taskId: string): void {
    this.lastQueuedAt.set(key, this.clock.now());
    const ids = this.queued.get(key);
    if (ids) ids.push(taskId);
    else this.queued.set(key, [taskId]);
  }

  /** Forgets a queued task; true when it was queued. */
  remove(taskId: string): boolean {
    for (const [key, ids] of this.queued) {
      const i = ids.indexOf(taskId);
      if (i < 0) continue;
      ids.splice(i, 1);
      if (ids.length === 0) this.queued.delete(key);
      return true;
    }
    return false;
  }

  clear(): void {
    this.queued.clear();
  }

  /**
   * Takes the next task to start given the free slots: the first key in round-robin order below its
   * cap, else the first running the fewest tasks, unless that would take the slot kept for other
   * active keys. The chosen key moves to the back of the round.
   */
  next(freeSlots = Infinity): { key: string; taskId: string } | undefined {
    if (freeSlots < 1) return undefined;
    let chosen: string | undefined;
    let fewest = Infinity;
    for (const key of this.queued.keys()) {
      const running = this.runningPerKey.get(key) ?? 0;
      if (running < this.perKeyConcurrency) {
        chosen = key;
        fewest = -1;
        break;
      }
      if (running < fewest) [chosen, fewest] = [key, running];
    }
    if (chosen === undefined) return undefined;
    const overCap = fewest >= 0;
    if (overCap && freeSlots === 1 && this.othersActive(chosen)) return undefined;
    const ids = this.queued.get(chosen)!;
    const taskId = ids.shift()!;
    this.queued.delete(chosen);
    if (ids.length) this.queued.set(chosen, ids);
    this.runningPerKey.set(chosen, (this.runningPerKey.get(chosen) ?? 0) + 1);
    return { key: chosen, taskId };
  }

  finished(key: string): void {
    const n = (this.runningPerKey.get(key) ?? 1) - 1;
    if (n > 0) this.runningPerKey.set(key, n);
    else this.runningPerKey.delete(key);
  }

  /**
   * Whether another key queued a task recently and could start one now (below its cap, nothing
   * queued): the last free slot is kept for it. Keys with queued work need no reservation, they
   * are already in the round.
   */
  private othersActive(key: string): boolean {
    const since = this.clock.now() - this.activeWindowMs;
    for (const [other, at] of this.lastQueuedAt) {
      if (other === key || this.queued.has(other)) continue;
      if (at < since) {
        this.lastQueuedAt.delete(other);
        continue;
      }
      if ((this.runningPerKey.get(other) ?? 0) < this.perKeyConcurrency) return true;
    }
    return false;
  }
}
