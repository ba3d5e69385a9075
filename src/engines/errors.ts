/** Engine error codes from the source document's "Error Codes" table: a failed task's `error` field. */
export const ENGINE_ERROR_CODES = {
  exceed_max_filesize: 'Input file size exceeds the maximum limit',
  invalid_parameter: 'Invalid parameter value',
  error_download_image: 'Download source image error',
  error_download_mask: 'Download mask image error',
  error_decode_image: 'Decode source image error',
  error_decode_mask: 'Decode mask image error',
  error_nsfw_content_detected: 'NSFW content detected in source image',
  error_no_face: 'No face detected on source image',
  error_pose: 'Failed to detect pose on source image',
  error_face_parsing: 'Failed to do face segmentation on source image',
  error_inference: 'Inference pipeline error',
  exceed_nsfw_retry_limits: 'Exceed the retry limits to avoid generated NSFW image',
  error_upload: 'Upload result image error',
  error_multiple_people: 'Multiple people detected in the source image',
  error_no_shoulder: 'Shoulders are not visible in the source image',
  error_large_face_angle: 'The face angle in the uploaded image is too large',
  unknown_internal_error: 'Others',
} as const;

export type EngineErrorCode = keyof typeof ENGINE_ERROR_CODES;

/** Thrown by engines; the task ends with status `error`, this code and this message, and is not charged. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message?: string,
  ) {
    super(message ?? ENGINE_ERROR_CODES[code]);
    this.name = 'EngineError';
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof Error && e.name === 'EngineError' && typeof (e as EngineError).code === 'string' && (e as EngineError).code in ENGINE_ERROR_CODES;
}

/** Engines use this when an AbortSignal fires (task dropped or cancelled); the runner never records it as a failure. */
export class TaskAbortedError extends Error {
  constructor() {
    super('task aborted');
    this.name = 'TaskAbortedError';
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new TaskAbortedError();
}
