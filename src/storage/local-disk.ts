import { createWriteStream } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { randomId } from '../util/ids.js';
import type { ObjectStorage, PresignedRequest } from './storage.js';
import type { UrlSigner } from './url-signer.js';

const KEY_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * Files under `<dataDir>/files`. Uploads and downloads go through the API server itself, at
 * `/storage/<key>` with an HMAC-signed, expiring query string.
 */
export class LocalDiskStorage implements ObjectStorage {
  readonly name = 'local' as const;
  constructor(
    private readonly root: string,
    /** Base of the signed URLs; a function when it follows the request (see api/request-origin.ts). */
    private readonly publicUrl: string | (() => string),
    private readonly signer: UrlSigner,
  ) {}

  private baseUrl(): string {
    return typeof this.publicUrl === 'function' ? this.publicUrl() : this.publicUrl;
  }

  filePath(key: string): string {
    return this.pathOf(key);
  }

  private pathOf(key: string): string {
    if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`invalid storage key ${key}`);
    return path.join(this.root, key);
  }

  async presignUpload(key: string, opts: { contentType: string; contentLength?: number; expiresAt: number }): Promise<PresignedRequest> {
    const len = opts.contentLength ?? '';
    const sig = this.signer.sign(['PUT', key, opts.contentType, len, opts.expiresAt]);
    const q = new URLSearchParams({ expires: String(opts.expiresAt), ...(len !== '' ? { size: String(len) } : {}), sig });
    const headers: Record<string, string> = { 'Content-Type': opts.contentType };
    if (opts.contentLength !== undefined) headers['Content-Length'] = String(opts.contentLength);
    return { method: 'PUT', url: `${this.baseUrl()}/storage/${key}?${q}`, headers };
  }

  async presignDownload(key: string, opts: { expiresAt: number }): Promise<string> {
    const sig = this.signer.sign(['GET', key, opts.expiresAt]);
    return `${this.baseUrl()}/storage/${key}?${new URLSearchParams({ expires: String(opts.expiresAt), sig })}`;
  }

  verifyUpload(key: string, contentType: string, size: string, expires: string, sig: string): boolean {
    return this.signer.verify(['PUT', key, contentType, size, expires], sig);
  }

  verifyDownload(key: string, expires: string, sig: string): boolean {
    return this.signer.verify(['GET', key, expires], sig);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomId(6)}.part`;
    await writeFile(tmp, data);
    await rename(tmp, file);
  }

  /**
   * Streams an upload to a temporary file and renames it into place only when complete and of the
   * expected size, so a partial upload is never visible. Returns the byte count, or an error reason.
   */
  async putStream(
    key: string,
    body: Readable,
    maxBytes: number,
    expectedBytes?: number,
    acceptHead?: (head: Buffer) => boolean,
  ): Promise<{ size: number } | { error: 'too_large' | 'size_mismatch' | 'exists' | 'bad_content' }> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomId(6)}.part`;
    let size = 0;
    let head = Buffer.alloc(0);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        if (head.length < 32) head = Buffer.concat([head, chunk.subarray(0, 32 - head.length)]);
        size += chunk.length;
        if (size > maxBytes) cb(new Error('too_large'));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx' }));
    } catch (e) {
      await rm(tmp, { force: true });
      if (e instanceof Error && e.message === 'too_large') return { error: 'too_large' };
      throw e;
    }
    if (expectedBytes !== undefined && size !== expectedBytes) {
      await rm(tmp, { force: true });
      return { error: 'size_mismatch' };
    }
    if (acceptHead && !acceptHead(head)) {
      await rm(tmp, { force: true });
      return { error: 'bad_content' };
    }
    // link() fails if the name exists, so two concurrent uploads to one URL cannot both land.
    try {
      await link(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { error: 'exists' };
      throw e;
    } finally {
      await rm(tmp, { force: true });
    }
    return { size };
  }

  async get(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { size: s.size } : undefined;
    } catch {
      return undefined;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Deletes temporary `.part` files a killed process left behind; run at start, before any upload. */
  async removePartials(): Promise<number> {
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.name.endsWith('.part')) {
          await rm(p, { force: true });
          removed++;
        }
      }
    };
    await walk(this.root);
    return removed;
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }
}
