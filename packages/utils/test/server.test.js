// The envelope's helpers as a user installs them: the built ESM output.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ERROR_CODES, ERROR_STATUS, isServerFailure } from '../dist/index.js';

test('every error code has its HTTP status: the documented ones and ours', () => {
  assert.deepEqual(ERROR_STATUS, {
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
  });
  assert.deepEqual(ERROR_CODES, Object.keys(ERROR_STATUS));
  assert.ok(ERROR_CODES.every((c) => /^[A-Z_]+$/.test(c)));
});

test('a failure is told from a success', () => {
  const ok = { type: 'response', success: true, description: 'OK', data: { room: {} }, error: null, requestId: 'req_1' };
  const failed = {
    type: 'response',
    success: false,
    description: 'Room not found',
    data: {},
    error: { module: 'Rooms', code: 'NOT_FOUND', message: 'room not found', reason: 'not_found' },
    requestId: 'req_2',
  };
  assert.equal(isServerFailure(ok), false);
  assert.equal(isServerFailure(failed), true);
});
