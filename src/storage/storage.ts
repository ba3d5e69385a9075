import type { ServiceHealth } from '../health/service-health.js';

/** Where file bytes live. One implementation for local disk (embedded default), one for S3. */
export interface PresignedRequest {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
}

export interface ObjectStorage {
  readonly name: 'local' | 's3';
  /** Set where the bytes live in another service (S3): its reachability as this process sees it. */
  readonly health?: ServiceHealth;
  /** A URL the client PUTs the bytes to directly, valid until `expiresAt`. */
  presignUpload(key: string, opts: { contentType: string; contentLength?: number; expiresAt: number }): Promise<PresignedRequest>;
  /** A URL the client GETs the bytes from, valid until `expiresAt`. */
  presignDownload(key: string, opts: { expiresAt: number; contentType: string; fileName?: string }): Promise<string>;
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Size of a stored object, or undefined when nothing (complete) is stored under the key. */
  stat(key: string): Promise<{ size: number } | undefined>;
  delete(key: string): Promise<void>;
  /** Reachability for /readyz. */
  check(): Promise<void>;
}
