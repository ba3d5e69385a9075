import type { Clock } from '../util/clock.js';
import { FairOrder } from './fair-order.js';
import { SHUTDOWN, type TaskHandler, type TaskQueue } from './queue.js';

/** Bounded-concurrency queue inside the API process, fair between keys (see FairOrder). */
export class InProcessQueue implements TaskQueue {
  readonly name = 'in-process';
  private readonly waiting: FairOrder;
  private readonly running = new Map<string, { key: string; controller: AbortController }>();
  private handler?: TaskHandler;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    perKeyConcurrency = 1,
    activeWindowMs?: number,
    clock?: Clock,
  ) {
    this.waiting = new FairOrder(perKeyConcurrency, activeWindowMs, clock);
  }

  async enqueue(taskId: string, _feature?: string, key = ''): Promise<void> {
    if (this.closed) throw new Error('queue closed');
    this.waiting.push(key, taskId);
    this.pump();
  }

  async cancel(taskId: string): Promise<void> {
    this.waiting.remove(taskId);
    this.running.get(taskId)?.controller.abort();
  }

  async consume(handler: TaskHandler): Promise<void> {
    this.handler = handler;
    this.pump();
  }

  async depth(): Promise<number> {
    return this.waiting.queuedCount + this.running.size;
  }

  async check(): Promise<void> {}

  /** Resolves when nothing waits or runs (tests, graceful shutdown). */
  async idle(): Promise<void> {
    if (this.waiting.queuedCount === 0 && this.running.size === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.clear();
    for (const r of this.running.values()) r.controller.abort(SHUTDOWN);
    await this.idle();
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (this.running.size < this.concurrency) {
      const next = this.waiting.next(this.concurrency - this.running.size);
      if (!next) break;
      const { key, taskId } = next;
      const controller = new AbortController();
      this.running.set(taskId, { key, controller });
      handler(taskId, controller.signal)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(taskId);
          this.waiting.finished(key);
          this.pump();
          if (this.waiting.queuedCount === 0 && this.running.size === 0) this.idleWaiters.splice(0).forEach((r) => r());
        });
    }
  }
}
