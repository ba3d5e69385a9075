import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { pino, type Logger } from 'pino';
import { ServiceHealth, ServiceUnavailableError } from '../health/service-health.js';
import type { DarkroomConfig } from '../config.js';
import type { ObjectStorage, PresignedRequest } from './storage.js';

/** `publicEndpoint` is the endpoint clients reach, when it differs from the one the servers use. */
export type S3Config = NonNullable<DarkroomConfig['storage']['s3']>;

/** SigV4 presigned URLs live at most 7 days; at least a second so a URL is never born expired. */
function expiresInSeconds(expiresAt: number): number {
  return Math.min(7 * 24 * 3600, Math.max(1, Math.floor((expiresAt - Date.now()) / 1000)));
}

function isNotFound(e: unknown): boolean {
  if (!(e instanceof S3ServiceException)) return false;
  return e.$metadata.httpStatusCode === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey';
}

/** The store did not answer or said it cannot now (network, 5xx, throttling): worth trying again later. */
export function isTransientS3Error(e: unknown): boolean {
  if (e instanceof S3ServiceException) {
    const status = e.$metadata.httpStatusCode ?? 0;
    return status >= 500 || status === 429 || ['SlowDown', 'RequestTimeout', 'RequestTimeTooSkewed'].includes(e.name);
  }
  // No answer at all: refused, reset, timed out, DNS.
  return e instanceof Error;
}

/**
 * Any S3-compatible object store (AWS, MinIO, Ceph, R2, …). Clients upload and download directly
 * with presigned URLs, so file bytes never pass through the API instances.
 */
export class S3Storage implements ObjectStorage {
  readonly name = 's3' as const;
  private readonly client: S3Client;
  /** Signs URLs for clients; the same client unless a separate public endpoint is configured. */
  private readonly presigner: S3Client;
  private readonly bucket: string;
  /** The store as this process sees it: while it is away, calls fail at once (503 in the API; the task runner retries). */
  readonly health: ServiceHealth;

  constructor(cfg: S3Config, log: Logger = pino({ level: 'silent' })) {
    this.bucket = cfg.bucket;
    this.health = new ServiceHealth('storage', log, { probe: () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })) });
    this.client = S3Storage.createClient(cfg, cfg.endpoint);
    // Presigned URLs are signed for the host clients see (containers may reach the store as http://minio:9000).
    this.presigner = cfg.publicEndpoint && cfg.publicEndpoint !== cfg.endpoint ? S3Storage.createClient(cfg, cfg.publicEndpoint) : this.client;
  }

  private static createClient(cfg: S3Config, endpoint: string | undefined): S3Client {
    return new S3Client({
      region: cfg.region,
      endpoint: endpoint || undefined,
      forcePathStyle: cfg.forcePathStyle,
      credentials: cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } : undefined,
      // Checksums on presigned PUTs would require clients to send a header the YCE protocol does not know.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A store that does not answer fails the call in seconds (the runner's retry policy waits longer).
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 60_000 },
    });
  }

  /** One call to the store; a transient failure marks it down and surfaces as ServiceUnavailableError. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    this.health.assertUp();
    try {
      return await fn();
    } catch (e) {
      if (isNotFound(e) || !isTransientS3Error(e)) throw e;
      this.health.markDown(e);
      throw new ServiceUnavailableError('storage', (e as Error).message);
    }
  }

  async presignUpload(key: string, opts: { contentType: string; contentLength?: number; expiresAt: number }): Promise<PresignedRequest> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: opts.contentType, ContentLength: opts.contentLength });
    const signed = new Set(['content-type', ...(opts.contentLength !== undefined ? ['content-length'] : [])]);
    // Signing the headers binds the upload to the declared type and size: any other PUT is refused by the store.
    const url = await getSignedUrl(this.presigner, command, { expiresIn: expiresInSeconds(opts.expiresAt), signableHeaders: signed, unhoistableHeaders: signed });
    const headers: Record<string, string> = { 'Content-Type': opts.contentType };
    if (opts.contentLength !== undefined) headers['Content-Length'] = String(opts.contentLength);
    return { method: 'PUT', url, headers };
  }

  async presignDownload(key: string, opts: { expiresAt: number; contentType: string; fileName?: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: opts.contentType,
      ...(opts.fileName ? { ResponseContentDisposition: `inline; filename="${opts.fileName.replace(/["\\\r\n]/g, '_')}"` } : {}),
    });
    return getSignedUrl(this.presigner, command, { expiresIn: expiresInSeconds(opts.expiresAt) });
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentType: contentType, ContentLength: data.length })));
  }

  async get(key: string): Promise<Buffer> {
    return this.call(async () => {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new Error(`object ${key} has no body`);
      return Buffer.from(await res.Body.transformToByteArray());
    });
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const res = await this.call(() => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return { size: Number(res.ContentLength ?? 0) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  close(): void {
    this.health.close();
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}
