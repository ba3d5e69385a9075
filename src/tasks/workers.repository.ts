import type { Db } from '../db/connect.js';
import type { WorkersTable } from '../db/schema.js';

/** The heartbeat rows of processes that run engines. */
export class WorkersRepository {
  constructor(private readonly db: Db) {}

  async beat(row: WorkersTable): Promise<void> {
    await this.db.kysely
      .insertInto('workers')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: row.heartbeat_at }))
      .execute();
  }

  async remove(workerId: string): Promise<void> {
    await this.db.kysely.deleteFrom('workers').where('id', '=', workerId).execute();
  }

  async removeSilentSince(heartbeatBefore: number): Promise<void> {
    await this.db.kysely.deleteFrom('workers').where('heartbeat_at', '<', heartbeatBefore).execute();
  }
}
