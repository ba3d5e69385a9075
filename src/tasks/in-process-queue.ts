import { SHUTDOWN, type TaskHandler, type TaskQueue } from './queue.js';

/** Bounded-concurrency queue inside the API process. */
export class InProcessQueue implements TaskQueue {
  readonly name = 'in-process';
  private readonly waiting: string[] = [];
  private readonly running = new Map<string, AbortController>();
  private handler?: TaskHandler;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  async enqueue(taskId: string, _feature?: string): Promise<void> {
    if (this.closed) throw new Error('queue closed');
    this.waiting.push(taskId);
    this.pump();
  }

  async cancel(taskId: string): Promise<void> {
    const i = this.waiting.indexOf(taskId);
    if (i >= 0) this.waiting.splice(i, 1);
    this.running.get(taskId)?.abort();
  }

  async consume(handler: TaskHandler): Promise<void> {
    this.handler = handler;
    this.pump();
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.running.size;
  }

  async check(): Promise<void> {}

  /** Resolves when nothing waits or runs (tests, graceful shutdown). */
  async idle(): Promise<void> {
    if (this.waiting.length === 0 && this.running.size === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    for (const c of this.running.values()) c.abort(SHUTDOWN);
    await this.idle();
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (this.running.size < this.concurrency && this.waiting.length > 0) {
      const taskId = this.waiting.shift()!;
      const controller = new AbortController();
      this.running.set(taskId, controller);
      handler(taskId, controller.signal)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(taskId);
          this.pump();
          if (this.waiting.length === 0 && this.running.size === 0) this.idleWaiters.splice(0).forEach((r) => r());
        });
    }
  }
}
