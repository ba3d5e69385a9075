/**
 * Plain-language explanations for the spec's error codes, shown next to the code itself so an
 * operator can tell "the photo is wrong" from "the key is wrong" from "the server is wrong".
 */
const EXPLANATIONS: Record<string, string> = {
  // Engine error codes (a failed task's `error`)
  exceed_max_filesize: 'The file is larger than this feature accepts (see its limits). Use a smaller or more compressed file.',
  invalid_parameter: 'A parameter or the photo’s dimensions are outside what this feature accepts.',
  error_download_image: 'The server could not read the uploaded photo. Upload it again.',
  error_download_mask: 'The server could not read the uploaded mask. Paint the mask again and retry.',
  error_decode_image: 'The photo could not be decoded: it is damaged or not in a supported format (JPG, PNG, HEIC where allowed).',
  error_decode_mask: 'The mask could not be decoded. Paint the mask again and retry.',
  error_nsfw_content_detected: 'The photo was flagged as adult content, so it was not processed.',
  error_no_face: 'No face was found. Use a photo with one clear, front-facing face.',
  error_pose: 'The body pose could not be detected in the photo.',
  error_face_parsing: 'The face could not be segmented. Try a clearer, better lit photo.',
  error_inference: 'The model failed while processing this photo. Try again; if it persists, check the server log.',
  exceed_nsfw_retry_limits: 'Every generated image was flagged as adult content. Change the prompt or style.',
  error_upload: 'The result could not be stored. Check the server’s storage.',
  error_multiple_people: 'More than one person is in the photo; this feature needs exactly one.',
  error_no_shoulder: 'The shoulders must be visible in the photo.',
  error_large_face_angle: 'The face is turned or tilted too far. Use a photo facing the camera.',
  unknown_internal_error: 'The server hit an unexpected error. Check the server log.',
  // HTTP error codes (the envelope's `error_code`)
  InvalidAccessToken: 'The access token was refused: the key is unknown, revoked, or its token expired.',
  InvalidIdToken: 'The key’s signed id_token was refused: the client_id or client_secret is wrong, or the key was revoked.',
  InvalidParameters: 'The request had a missing or invalid parameter.',
  BadRequest: 'The request had an unexpected field.',
  CreditInsufficiency: 'This key does not have enough credits. Grant credits on the Credits page.',
  InvalidStyleGroup: 'The chosen style group does not exist for this feature.',
  InvalidStyle: 'The chosen style does not exist in this style group.',
  InvalidTaskId: 'The task is unknown, expired, or was dropped because polling stopped.',
  TaskTimeout: 'The task took longer than the server allows.',
  TooManyRequests: 'Too many requests: wait a moment and retry.',
  ExceedMaxFilesize: 'The file is larger than this feature accepts.',
  ContentTypeNotSupported: 'This file type is not accepted by this feature.',
  ServiceUnavailable: 'This feature is not available on this server right now.',
  Forbidden: 'This action is not allowed for this key.',
  // Raised in the browser, not by the server
  Cancelled: 'You cancelled the run; the console asked the server to cancel the task too, so it is not charged.',
  NetworkError: 'The server could not be reached, even after retries. Check that it is running and reachable from this browser.',
};

export function explainError(code: string | null | undefined): string {
  if (!code) return 'The request failed.';
  return EXPLANATIONS[code] ?? 'The request failed with this code.';
}
