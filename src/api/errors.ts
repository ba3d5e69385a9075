import { DomainError, type ErrorCode } from '../errors.js';

/** The HTTP status of each error code: the one mapping from domain errors to the wire. */
export const API_ERRORS: Record<ErrorCode, number> = {
  InvalidAccessToken: 401,
  InvalidParameters: 400,
  BadRequest: 400,
  CreditInsufficiency: 400,
  InvalidStyleGroup: 400,
  InvalidStyle: 400,
  InvalidTaskId: 400,
  TaskTimeout: 500,
  TooManyRequests: 429,
  InvalidIdToken: 401,
  InvalidSignature: 403,
  UrlExpired: 403,
  NotFound: 404,
  InvalidFileId: 404,
  FileExpired: 400,
  FileNotUploaded: 400,
  FileAlreadyUploaded: 409,
  RequestIdConflict: 409,
  ContentTypeNotSupported: 400,
  ExceedMaxFilesize: 413,
  PayloadTooLarge: 413,
  InternalError: 500,
  ServiceUnavailable: 503,
};

export type ApiErrorCode = ErrorCode;

/** What route handlers throw; the same class domain code throws, so one handler maps both. */
export { DomainError as ApiError };

export interface ErrorEnvelope {
  status: number;
  error: string;
  error_code?: string;
}

export function envelope(status: number, error: string, code?: string): ErrorEnvelope {
  return code ? { status, error, error_code: code } : { status, error };
}

export function statusOf(err: DomainError): number {
  return err.notFound ? 404 : API_ERRORS[err.code];
}

/** The wire form of a domain error. */
export function toEnvelope(err: DomainError): ErrorEnvelope {
  return envelope(statusOf(err), err.message, err.code);
}
