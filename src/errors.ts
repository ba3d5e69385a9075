/**
 * Why a request cannot be served, in the protocol's own vocabulary (the `error_code` clients see).
 * Domain code (tasks, files, billing, auth, styles) throws these without knowing about HTTP;
 * src/api/errors.ts maps each code to its status and the wire envelope, in one place.
 * The first group was seen verbatim on the wire (shared/spec/wire.md); the rest are Darkroom's
 * additions in the same style.
 */
export const ERROR_CODES = [
  'InvalidAccessToken',
  'InvalidParameters',
  'BadRequest',
  'CreditInsufficiency',
  'InvalidStyleGroup',
  'InvalidStyle',
  'InvalidTaskId',
  'TaskTimeout',
  'TooManyRequests',
  // Darkroom additions
  'InvalidIdToken',
  'InvalidSignature',
  'UrlExpired',
  'NotFound',
  'InvalidFileId',
  'FileExpired',
  'FileNotUploaded',
  'FileAlreadyUploaded',
  'RequestIdConflict',
  'ContentTypeNotSupported',
  'ExceedMaxFilesize',
  'PayloadTooLarge',
  'InternalError',
  'ServiceUnavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The thing asked for does not exist for this caller (e.g. another client's task): answered as not found. */
    readonly notFound = false,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
