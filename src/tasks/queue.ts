import type { ServiceHealth } from '../health/service-health.js';

/** The abort reason a queue gives running tasks when its process shuts down (not the task's fault). */
export const SHUTDOWN = new Error('the process is shutting down');

/** Runs one task to its end; the signal fires when the task is dropped, cancelled or times out, or with SHUTDOWN. */
export type TaskHandler = (taskId: string, signal: AbortSignal) => Promise<void>;

/**
 * The task queue seam: in-process (embedded default) or Redis-backed (scale). API instances only
 * enqueue and cancel; processes that run engines also `consume`.
 */
export interface TaskQueue {
  readonly name: string;
  /** Set where the queue lives in another service (Redis): its reachability, and hooks run when it returns. */
  readonly health?: ServiceHealth;
  /** `key` is the client the task belongs to: queues share their slots fairly between keys. */
  enqueue(taskId: string, feature: string, key: string): Promise<void>;
  /** Stops the task wherever it runs (or removes it if it has not started). */
  cancel(taskId: string): Promise<void>;
  consume(handler: TaskHandler): Promise<void>;
  /** Tasks waiting plus running. */
  depth(): Promise<number>;
  check(): Promise<void>;
  close(): Promise<void>;
}
