import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CONTENT_TYPES, feature, type FeatureId } from '../../features/table.js';
import { sniffFormat } from '../../engines/image-io.js';
import { ApiError } from '../errors.js';
import type { ApiServices } from '../services.js';

interface SignedQuery {
  expires?: string;
  size?: string;
  sig?: string;
}

/**
 * The local-disk driver's signed URLs: PUT receives an upload (checked against the signature, its
 * expiry, the declared type and size; written atomically; once only), GET serves a result or upload.
 */
export async function storageRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const storage = services.localStorage;
  if (!storage) return;
  const now = () => services.clock.now();

  // Upload bodies are streamed to disk by the handler, never buffered by a body parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req: FastifyRequest, _payload: unknown, done: (err: Error | null, body?: unknown) => void) => done(null));

  // Signed URLs carry their own authorisation, so any origin may use them (the console opened at
  // 127.0.0.1 while publicUrl says localhost, or another site's browser client).
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('Access-Control-Allow-Origin', '*');
  });
  app.options('/storage/*', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .header('Access-Control-Allow-Methods', 'GET, PUT')
      .header('Access-Control-Allow-Headers', 'Content-Type')
      .header('Access-Control-Max-Age', '3600')
      .status(204)
      .send(),
  );

  const checkExpiry = (q: SignedQuery) => {
    if (!q.expires || !q.sig || !/^\d{1,16}$/.test(q.expires)) throw new ApiError('InvalidSignature', 'the URL is not signed');
    return Number(q.expires);
  };

  app.put<{ Params: { '*': string }; Querystring: SignedQuery }>('/storage/*', { schema: { hide: true } }, async (req, reply) => {
    const key = req.params['*'];
    const q = req.query;
    const expires = checkExpiry(q);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (!storage.verifyUpload(key, contentType, q.size ?? '', q.expires!, q.sig!)) {
      throw new ApiError('InvalidSignature', 'the upload URL signature does not match (URL or Content-Type header changed)');
    }
    if (expires <= now()) throw new ApiError('UrlExpired', 'the upload URL has expired: request a new one');
    const file = await services.files.byStorageKey(key);
    if (!file || file.kind !== 'upload' || file.deleted_at !== null) throw new ApiError('NotFound', 'no such upload');
    const maxBytes = feature(file.feature as FeatureId).limits.maxBytes - 1;
    const declared = q.size ? Number(q.size) : undefined;
    const length = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
    if (declared !== undefined && length !== undefined && length !== declared) {
      throw new ApiError('InvalidParameters', `Content-Length ${length} differs from the declared file_size ${declared}`);
    }
    if (length !== undefined && length > maxBytes) throw new ApiError('ExceedMaxFilesize', `the file exceeds the maximum limit of ${maxBytes + 1} bytes (exceed_max_filesize)`);
    const expectedFormat = CONTENT_TYPES[contentType.toLowerCase()];
    const result = await storage.putStream(key, req.raw, maxBytes, declared, (head) => {
      const found = sniffFormat(head);
      if (expectedFormat === 'mp4' || expectedFormat === 'mov' || expectedFormat === 'm4v') return found === 'mp4' || found === 'mov' || found === 'm4v';
      return found === expectedFormat;
    });
    if ('error' in result) {
      switch (result.error) {
        case 'exists':
          throw new ApiError('FileAlreadyUploaded', 'this file_id already has its content: request a new upload URL for a new file');
        case 'too_large':
          throw new ApiError('ExceedMaxFilesize', `the file exceeds the maximum limit of ${maxBytes + 1} bytes (exceed_max_filesize)`);
        case 'size_mismatch':
          throw new ApiError('InvalidParameters', 'the uploaded byte count differs from the declared file_size');
        case 'bad_content':
          throw new ApiError('ContentTypeNotSupported', `the uploaded bytes are not a ${contentType} file`);
      }
    }
    return reply.status(200).send();
  });

  app.get<{ Params: { '*': string }; Querystring: SignedQuery }>('/storage/*', { schema: { hide: true } }, async (req, reply) => {
    const key = req.params['*'];
    const expires = checkExpiry(req.query);
    if (!storage.verifyDownload(key, req.query.expires!, req.query.sig!)) throw new ApiError('InvalidSignature', 'the download URL signature does not match');
    if (expires <= now()) throw new ApiError('UrlExpired', 'the download URL has expired (result URLs are valid 2 hours): poll the task again for a fresh one');
    const file = await services.files.byStorageKey(key);
    if (!file || file.deleted_at !== null || !(await storage.stat(key))) throw new ApiError('NotFound', 'the file has expired or does not exist');
    reply.header('Content-Type', file.content_type);
    reply.header('Cache-Control', 'private, max-age=3600');
    reply.header('Content-Disposition', `inline; filename="${file.file_name.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    return reply.send(createReadStream(storage.filePath(key)));
  });
}
