// What the CollabKit HTTP API answers: every JSON response is the same envelope, and every
// error the same object inside it. Mirrors `crates/collabkit-webhooks/src/envelope.rs` (a test
// of the server checks real answers against both).

/**
 * The documented error codes, and the ones this server's limits add. Each has one HTTP status
 * ({@link ERROR_STATUS}); the precise cause is in {@link ServerError.reason}.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'VALIDATION_ERROR'
  | 'RATE_LIMITED'
  | 'INTERNAL_ERROR'
  // Not in the public documentation: what this server's limits need.
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'SERVICE_UNAVAILABLE';

/** The HTTP status that goes with each code. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  VALIDATION_ERROR: 400,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SERVICE_UNAVAILABLE: 503,
};

/** Every code, in the order of {@link ErrorCode}. */
export const ERROR_CODES: readonly ErrorCode[] = Object.keys(ERROR_STATUS) as ErrorCode[];

/** The part of the API an error comes from. */
export type ErrorModule =
  | 'Rooms'
  | 'Users'
  | 'Webhooks'
  | 'Deliveries'
  | 'Events'
  | 'Stats'
  | 'Accounts'
  | 'Realtime'
  | 'Server';

/** Why a request failed: `{module, code, message}` as documented, plus `reason`. */
export interface ServerError {
  module: ErrorModule;
  code: ErrorCode;
  /** A sentence for people; it names the field for a validation error. */
  message: string;
  /**
   * The precise cause, snake_case, for programs to act on: `invalid_json`, `invalid_query`,
   * `invalid_request`, `invalid_body`, `unauthorized`, `forbidden`, `not_found`,
   * `route_not_found`, `method_not_allowed`, `conflict`, `too_many_webhooks`,
   * `payload_too_large`, `unsupported_media_type`, `rate_limited`, `too_many_streams`,
   * `room_full`, `too_many_connections`, `internal_error`, `overloaded`,
   * `storage_unavailable`, `streams_full` (this server's addition to the documented object).
   */
  reason: string;
}

/**
 * Every JSON answer of the API. On success `data` holds the result and `error` is null; on
 * failure `data` is `{}` and `error` says why. `requestId` is the id the server logged the
 * request under (also in the `x-request-id` header): quote it when reporting a problem.
 */
export interface ServerResponse<T> {
  type: 'response';
  success: boolean;
  /** Human text, e.g. "Room created". */
  description: string;
  data: T;
  error: ServerError | null;
  requestId: string;
}

/** A successful answer: `success` narrows a {@link ServerResponse} to one of these. */
export interface ServerSuccess<T> extends ServerResponse<T> {
  success: true;
  error: null;
}

/** A failed answer. */
export interface ServerFailure extends ServerResponse<Record<string, never>> {
  success: false;
  error: ServerError;
}

/** Whether an answer (as parsed JSON) is a failure, with its `error` typed. */
export function isServerFailure(
  response: ServerResponse<unknown>,
): response is ServerFailure {
  return response.success === false && response.error !== null;
}

/** What every offset-paged list answers beside its items. */
export interface PageInfo {
  /** How many items match, all pages together. */
  total: number;
  limit: number;
  offset: number;
}

/** Lists that also have a cursor (for very long lists) answer it too; null at the end. */
export interface CursorPageInfo extends PageInfo {
  next_cursor: string | null;
}
