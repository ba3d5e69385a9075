import type { Db } from '../db/connect.js';
import type { FilesTable } from '../db/schema.js';
import { CONTENT_TYPES, feature, type FeatureId, type FeatureSpec } from '../features/table.js';
import { DomainError } from '../errors.js';
import type { ObjectStorage, PresignedRequest } from '../storage/storage.js';
import type { Clock } from '../util/clock.js';
import { randomId } from '../util/ids.js';
import { FilesRepository } from './files.repository.js';

export interface UploadRequest {
  contentType: string;
  fileName: string;
  fileSize?: number;
}

export interface UploadSlot {
  content_type: string;
  file_name: string;
  file_id: string;
  requests: PresignedRequest[];
}

export interface RetentionPolicy {
  uploadMs: number;
  resultMs: number;
  resultUrlMs: number;
  uploadUrlMs: number;
}

export type FileRow = FilesTable;

const EXT_OF: Record<string, string> = { jpg: 'jpg', png: 'png', heic: 'heic', mp4: 'mp4', mov: 'mov', m4v: 'm4v' };

/** File records (who owns what, until when) over an object storage. */
export class FilesService {
  private readonly repo: FilesRepository;

  constructor(
    db: Db,
    readonly storage: ObjectStorage,
    private readonly clock: Clock,
    private readonly retention: RetentionPolicy,
  ) {
    this.repo = new FilesRepository(db);
  }

  /** Formats a feature accepts at upload: its own, plus PNG/JPEG masks where it takes a mask. */
  acceptedFormats(spec: FeatureSpec): Set<string> {
    const formats = new Set<string>(spec.limits.formats);
    if (spec.fileSets.some((s) => s.role === 'mask')) ['jpg', 'png'].forEach((f) => formats.add(f));
    if (spec.fileSets.length === 0) formats.clear();
    return formats;
  }

  async createUploads(clientId: string, spec: FeatureSpec, files: UploadRequest[]): Promise<UploadSlot[]> {
    const accepted = this.acceptedFormats(spec);
    if (accepted.size === 0) throw new DomainError('InvalidParameters', `${spec.title} takes no input files`);
    for (const [i, f] of files.entries()) {
      const format = CONTENT_TYPES[f.contentType.toLowerCase()];
      if (!format || !accepted.has(format)) {
        throw new DomainError('ContentTypeNotSupported', `files[${i}].content_type ${f.contentType} is not accepted by ${spec.title} (accepted: ${[...accepted].join(', ')})`);
      }
      if (f.fileSize !== undefined && f.fileSize >= spec.limits.maxBytes) {
        throw new DomainError('ExceedMaxFilesize', `files[${i}].file_size ${f.fileSize} exceeds the maximum limit: ${spec.title} accepts less than ${spec.limits.maxBytes} bytes (exceed_max_filesize)`);
      }
    }
    const now = this.clock.now();
    const slots: UploadSlot[] = [];
    for (const f of files) {
      const id = randomId(24);
      const format = CONTENT_TYPES[f.contentType.toLowerCase()];
      const key = `uploads/${id.slice(0, 2)}/${id}.${EXT_OF[format] ?? 'bin'}`;
      await this.repo.insert({
          id,
          client_id: clientId,
          feature: spec.id,
          kind: 'upload',
          content_type: f.contentType,
          file_name: f.fileName.slice(0, 255),
          declared_size: f.fileSize ?? null,
          size: null,
          storage_key: key,
          task_id: null,
          created_at: now,
          expires_at: now + this.retention.uploadMs,
        deleted_at: null,
      });
      const request = await this.storage.presignUpload(key, { contentType: f.contentType, contentLength: f.fileSize, expiresAt: now + this.retention.uploadUrlMs });
      slots.push({ content_type: f.contentType, file_name: f.fileName, file_id: id, requests: [request] });
    }
    return slots;
  }

  async byStorageKey(key: string): Promise<FileRow | undefined> {
    return this.repo.byStorageKey(key);
  }

  /**
   * The caller's live files with these ids. Another client's id, an unknown id and a deleted id all
   * answer the same way, so nothing leaks about files that are not yours.
   */
  async ownedFiles(clientId: string, ids: string[]): Promise<FileRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.repo.byIds(ids, clientId);
    const now = this.clock.now();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const r = byId.get(id);
      if (!r) throw new DomainError('InvalidFileId', `file_id ${id} is unknown`);
      if (r.deleted_at !== null || r.expires_at <= now) throw new DomainError('FileExpired', `file_id ${id} has expired (uploads are kept 1 day, results 30 days)`);
      return r;
    });
  }

  /**
   * Checks that each upload's bytes are in storage, within its feature's size limit and of the
   * declared size. The local receiver enforces both already; an S3 presigned PUT without a declared
   * size cannot, so this is where an oversized object is stopped before any engine reads it.
   */
  async assertUploaded(files: FileRow[]): Promise<void> {
    for (const f of files) {
      if (f.kind === 'result') continue;
      const stored = await this.storage.stat(f.storage_key);
      if (!stored) throw new DomainError('FileNotUploaded', `file_id ${f.id} has no uploaded content yet: PUT the bytes to its upload URL first`);
      const maxBytes = feature(f.feature as FeatureId).limits.maxBytes;
      if (stored.size >= maxBytes) throw new DomainError('ExceedMaxFilesize', `file_id ${f.id} is ${stored.size} bytes: the maximum limit is less than ${maxBytes} (exceed_max_filesize)`);
      if (f.declared_size !== null && stored.size !== f.declared_size) throw new DomainError('InvalidParameters', `file_id ${f.id} holds ${stored.size} bytes but ${f.declared_size} were declared`);
    }
  }

  async read(f: FileRow): Promise<Buffer> {
    return this.storage.get(f.storage_key);
  }

  async storeResult(clientId: string, feature: string, taskId: string, index: number, data: Buffer, contentType: string, ext: string): Promise<string> {
    const id = randomId(24);
    const key = `results/${id.slice(0, 2)}/${id}.${ext}`;
    await this.storage.put(key, data, contentType);
    const now = this.clock.now();
    await this.repo.insert({
        id,
        client_id: clientId,
        feature,
        kind: 'result',
        content_type: contentType,
        file_name: `${taskId}-${index}.${ext}`,
        declared_size: null,
        size: data.length,
        storage_key: key,
        task_id: taskId,
        created_at: now,
        expires_at: now + this.retention.resultMs,
      deleted_at: null,
    });
    return id;
  }

  /** Download URLs valid for 2 hours (retention.resultUrlMs), minted at each poll. */
  async resultUrls(fileIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (fileIds.length === 0) return out;
    const rows = await this.repo.byIds(fileIds);
    const expiresAt = this.clock.now() + this.retention.resultUrlMs;
    for (const r of rows) {
      if (r.deleted_at !== null) continue;
      out.set(r.id, await this.storage.presignDownload(r.storage_key, { expiresAt, contentType: r.content_type, fileName: r.file_name }));
    }
    return out;
  }

  /** Deletes expired uploads (1 day) and results (30 days) from storage, keeping the record as a tombstone. */
  async sweepExpired(limit = 500): Promise<number> {
    const now = this.clock.now();
    const rows = await this.repo.expired(now, limit);
    for (const r of rows) {
      await this.storage.delete(r.storage_key);
      await this.repo.markDeleted(r.id, now);
    }
    return rows.length;
  }
}
