/**
 * Which key's task runs next when a slot frees: round-robin over the keys that have queued work,
 * each key capped at `perKeyConcurrency` running tasks while another key below its cap has work
 * queued. No slot idles while work waits: when every waiting key is at its cap, the one running the
 * fewest tasks goes over it.
 */
export class FairOrder {
  /** Queued task ids per key; a key is present only while it has queued work, in round-robin order. */
  private readonly queued = new Map<string, string[]>();
  private readonly runningPerKey = new Map<string, number>();

  constructor(private readonly perKeyConcurrency: number) {}

  get queuedCount(): number {
    let n = 0;
    for (const ids of this.queued.values()) n += ids.length;
    return n;
  }

  push(key: string, taskId: string): void {
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
   * Takes the next task to start: the first key in round-robin order below its cap, else the first
   * running the fewest tasks. The chosen key moves to the back of the round.
   */
  next(): { key: string; taskId: string } | undefined {
    let chosen: string | undefined;
    let fewest = Infinity;
    for (const key of this.queued.keys()) {
      const running = this.runningPerKey.get(key) ?? 0;
      if (running < this.perKeyConcurrency) {
        chosen = key;
        break;
      }
      if (running < fewest) [chosen, fewest] = [key, running];
    }
    if (chosen === undefined) return undefined;
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
}
