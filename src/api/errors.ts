/**
 * HTTP error codes of the API's error envelope `{status, error, error_code}`. The first group was
 * seen verbatim on the wire (see shared/spec/wire.md); the rest are Darkroom's additions in the same style.
 */
export const API_ERRORS = {
  InvalidAccessToken: 401,
  InvalidParameters: 400,
  BadRequest: 400,
  CreditInsufficiency: 400,
  InvalidStyleGroup: 400,
  InvalidStyle: 400,
  InvalidTaskId: 400,
  TaskTimeout: 500,
  TooManyRequests: 429,
  // Darkroom additions
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
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Overrides the code's usual status (e.g. InvalidTaskId as 404 for ids the caller does not own). */
    status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status ?? API_ERRORS[code];
  }
}

export interface ErrorEnvelope {
  status: number;
  error: string;
  error_code?: string;
}

export function envelope(status: number, error: string, code?: string): ErrorEnvelope {
  return code ? { status, error, error_code: code } : { status, error };
}
