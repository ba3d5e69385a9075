/** Retry timing: exponential backoff with jitter, honouring a server's Retry-After. */

export interface RetryPolicy {
  /** Retries after the first attempt (0 disables retrying). */
  retries: number;
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Upper bound of one delay. Keep it below the 10-s polling limit so a retried poll keeps the task alive. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, baseDelayMs: 500, maxDelayMs: 8000 };

/**
 * Delay before retry number `attempt` (0-based): base·2^attempt capped at max, scaled by a
 * jitter factor in [0.5, 1) so many clients hitting the same 429 do not retry in lockstep.
 * A Retry-After hint wins when it is longer, still capped at max.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.round(exp * (0.5 + random() / 2));
  if (retryAfterMs !== undefined && retryAfterMs > jittered) return Math.min(policy.maxDelayMs, retryAfterMs);
  return jittered;
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
