export interface RetryPolicy {
  /** Give up once this long has passed since the first attempt. */
  forMs: number;
  /** First pause; each next one doubles, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Only these errors are retried; any other is thrown at once. */
  retryable: (e: unknown) => boolean;
  signal?: AbortSignal;
  /** Told of each retried failure (logging). */
  onRetry?: (e: unknown, attempt: number) => void;
}

/**
 * Runs `fn` until it succeeds, retrying retryable failures with exponential backoff (jittered, so
 * processes that lost a service together do not come back in lock-step) for a bounded time; the
 * last error is thrown when the time is up or the signal fires.
 */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const deadline = Date.now() + policy.forMs;
  let delay = policy.baseDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!policy.retryable(e) || policy.signal?.aborted || Date.now() + delay > deadline) throw e;
      policy.onRetry?.(e, attempt);
      await sleep(delay * (0.75 + Math.random() * 0.5), policy.signal);
      delay = Math.min(delay * 2, policy.maxDelayMs ?? 5_000);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
