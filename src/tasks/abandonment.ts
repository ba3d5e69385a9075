import type { Db } from '../db/connect.js';

/**
 * The 10-s abandonment rule counts the client's silence, not ours: while the database was away no
 * poll could be answered, so for one full allowance after it came back (as this process saw it)
 * no task is dropped. Wall-clock, like the outage itself.
 */
export function abandonmentPaused(db: Db, abandonAfterMs: number): boolean {
  return !db.health.up || Date.now() - db.health.recoveredAt <= abandonAfterMs;
}
