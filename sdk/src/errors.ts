/**
 * Errors the SDK throws. HTTP failures carry the wire envelope's `error_code`; failed tasks carry
 * the engine error code from the task status (task failures are not HTTP errors on this API).
 */

/** Engine error codes a failed task reports in `error` (source document, EngineErrorCode). */
export type EngineErrorCode =
  | 'exceed_max_filesize'
  | 'invalid_parameter'
  | 'error_download_image'
  | 'error_download_mask'
  | 'error_decode_image'
  | 'error_decode_mask'
  | 'error_nsfw_content_detected'
  | 'error_no_face'
  | 'error_pose'
  | 'error_face_parsing'
  | 'error_inference'
  | 'exceed_nsfw_retry_limits'
  | 'error_upload'
  | 'unknown_internal_error';

/** HTTP error codes seen on the wire; servers may send others (kept as plain strings). */
export type KnownApiErrorCode =
  | 'InvalidAccessToken'
  | 'InvalidParameters'
  | 'BadRequest'
  | 'CreditInsufficiency'
  | 'InvalidStyleGroup'
  | 'InvalidStyle'
  | 'InvalidTaskId'
  | 'TaskTimeout'
  | 'TooManyRequests'
  | 'NotFound'
  | 'RequestIdConflict';

export class DarkroomError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server answered with an error envelope (HTTP status >= 400 or `body.status` >= 400). */
export class ApiError extends DarkroomError {
  constructor(
    readonly status: number,
    /** `error_code` of the envelope; `TooManyRequests` for a bare 429; `HttpError` when the body was not an envelope. */
    readonly code: KnownApiErrorCode | (string & {}),
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** A task ended with `status: "error"`. */
export class TaskError extends DarkroomError {
  constructor(
    readonly code: EngineErrorCode | (string & {}),
    message: string,
    readonly taskId: string,
  ) {
    super(message);
  }
}

/** The server could not be reached after every retry. */
export class NetworkError extends DarkroomError {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** Thrown when the caller's AbortSignal fires; `name` is "AbortError" like the platform's. */
export class AbortError extends Error {
  constructor(
    message = 'The operation was aborted',
    /** Set when a running task was cancelled on the server as part of the abort. */
    readonly taskId?: string,
  ) {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
