import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../errors.js';
import { envelope, statusOf, toEnvelope } from '../errors.js';

function validationMessage(err: FastifyError): { code: 'BadRequest' | 'InvalidParameters'; message: string } {
  const first = err.validation?.[0];
  const where = `${err.validationContext ?? 'body'}${first?.instancePath ? first.instancePath.replace(/\//g, '.') : ''}`;
  if (first?.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperty?: string }).additionalProperty;
    return { code: 'BadRequest', message: `unexpected field ${where}.${extra}` };
  }
  if (first?.keyword === 'required') {
    const missing = (first.params as { missingProperty?: string }).missingProperty;
    return { code: 'InvalidParameters', message: `missing field ${where}.${missing}` };
  }
  return { code: 'InvalidParameters', message: `${where} ${first?.message ?? 'is invalid'}` };
}

/** Every failure leaves as the API's error envelope; nothing internal (stack, SQL, paths) leaks out. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { statusCode?: number }, req, reply) => {
    if (err instanceof DomainError) return reply.status(statusOf(err)).send(toEnvelope(err));
    if (err.validation) {
      const { code, message } = validationMessage(err);
      return reply.status(400).send(envelope(400, message, code));
    }
    if (err.statusCode === 429) return reply.status(429).send(envelope(429, 'Too many requests'));
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send(envelope(413, 'request body is too large', 'PayloadTooLarge'));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(400).send(envelope(400, 'Content-Type must be application/json', 'BadRequest'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send(envelope(400, 'request body is empty', 'BadRequest'));
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.status(400).send(envelope(400, 'Content-Length does not match the body', 'BadRequest'));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // JSON syntax errors and other client faults Fastify detected before our code ran.
      const msg = err instanceof SyntaxError || /JSON/i.test(err.message) ? 'request body is not valid JSON' : 'bad request';
      return reply.status(400).send(envelope(400, msg, 'BadRequest'));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(envelope(500, 'internal error', 'InternalError'));
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send(envelope(404, `no route ${req.method} ${req.url.split('?')[0]}`, 'NotFound')));
}

/**
 * Router failures Fastify answers before any hook (`frameworkErrors`): a path parameter over
 * `maxParamLength` is 414, a malformed URL 400, both in the envelope.
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send(envelope(414, 'a path segment of the URL is too long', 'UriTooLong'));
  } else {
    void reply.status(400).send(envelope(400, 'the URL is malformed', 'BadRequest'));
  }
}

const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request line or headers are too large (16 KB at most)', 'HeaderFieldsTooLarge'],
  HPE_URI_TOO_LONG: [414, 'URI Too Long', 'the URL is too long', 'UriTooLong'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request did not arrive in time', 'RequestTimeout'],
};

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over 16 KB, bad
 * framing, timeouts) get the envelope too, written straight to the socket as Node would.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message, code] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'the request is not valid HTTP', 'BadRequest'];
  const body = JSON.stringify(envelope(status, message, code));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
