import type { ServiceHealth } from '../health/service-health.js';

/**
 * The 10-s abandonment rule counts the client's silence, not ours: while the database was away no
 * poll could be answered, so for one full allowance after it came back (as this process saw it)
 * no task is dropped. Wall-clock, like the outage itself.
 */
export function abandonmentPaused(database: ServiceHealth, abandonAfterMs: number): boolean {
  return !database.up || Date.now() - database.recoveredAt <= abandonAfterMs;
}
