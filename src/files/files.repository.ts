import type { Db } from '../db/connect.js';
import type { FilesTable } from '../db/schema.js';

/** Every statement on file records (uploads and results; a deleted file stays as a tombstone). */
export class FilesRepository {
  constructor(private readonly db: Db) {}

  async insert(row: FilesTable): Promise<void> {
    await this.db.kysely.insertInto('files').values(row).execute();
  }

  async byStorageKey(key: string): Promise<FilesTable | undefined> {
    return this.db.kysely.selectFrom('files').selectAll().where('storage_key', '=', key).executeTakeFirst();
  }

  /** Rows with these ids, of this client when given; in no particular order, unknown ids left out. */
  async byIds(ids: string[], clientId?: string): Promise<FilesTable[]> {
    if (ids.length === 0) return [];
    let q = this.db.kysely.selectFrom('files').selectAll().where('id', 'in', ids);
    if (clientId !== undefined) q = q.where('client_id', '=', clientId);
    return q.execute();
  }

  /** Live records past their expiry. */
  async expired(now: number, limit: number): Promise<Pick<FilesTable, 'id' | 'storage_key'>[]> {
    return this.db.kysely.selectFrom('files').select(['id', 'storage_key']).where('deleted_at', 'is', null).where('expires_at', '<=', now).limit(limit).execute();
  }

  async markDeleted(fileId: string, now: number): Promise<void> {
    await this.db.kysely.updateTable('files').set({ deleted_at: now }).where('id', '=', fileId).execute();
  }
}
