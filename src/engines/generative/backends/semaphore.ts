import { TaskAbortedError } from '../../errors.js';

/** Counting semaphore whose waiters leave the line when their task is cancelled. */
export class Semaphore {
  private inUse = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get free(): number {
    return Math.max(0, this.limit - this.inUse);
  }

  get busy(): number {
    return this.inUse;
  }

  async acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw new TaskAbortedError();
    if (this.inUse < this.limit) {
      this.inUse++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new TaskAbortedError());
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    // The releasing holder handed its slot straight to us.
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.inUse--;
    };
  }
}
