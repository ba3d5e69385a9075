import type { Logger } from 'pino';
import { isServiceUnavailable } from './health/service-health.js';

/** One periodic job: a name for its failure log, how often, and what it runs. */
export interface SweepJob {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/**
 * The periodic sweeps of a process (abandoned tasks, webhooks, dead workers, retention). `runAll`
 * runs the full sweep once, which is how tests drive them; `start` puts each job on its own unref'd
 * timer, so a slow retention sweep never delays the 1-s abandonment rule.
 */
export class SweepScheduler {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly jobs: SweepJob[],
    private readonly everything: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  runAll(): Promise<void> {
    return this.everything();
  }

  start(): void {
    for (const job of this.jobs) {
      // An absent service is logged once by its health; its every-second failures would repeat it.
      const timer = setInterval(() => void job.run().catch((err) => isServiceUnavailable(err) || this.log.error({ err }, `${job.name} failed`)), job.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    this.timers.forEach((t) => clearInterval(t));
    this.timers.length = 0;
  }
}
