import { createHmac, timingSafeEqual } from 'node:crypto';

import type { WebhookPayload } from './types.js';

/** Why a delivery was refused. */
export type WebhookVerificationErrorCode =
  | 'missing_header'
  | 'invalid_signature'
  | 'timestamp_out_of_tolerance'
  | 'invalid_secret'
  | 'invalid_payload';

/** Thrown by {@link verifyWebhook}; answer the delivery with a 4xx. */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode;

  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
  }
}

/** Node's `IncomingMessage.headers` (or any plain object), or a Fetch API `Headers`. */
export type HeadersLike =
  | Headers
  | Record<string, string | string[] | undefined>;

/** The request body exactly as received: a string, a `Buffer` or a `Uint8Array`. */
export type RawBody = string | Uint8Array;

export interface VerifyOptions {
  /** How far the `webhook-timestamp` may be from now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** The current time (default: now); for tests. */
  now?: Date | number;
}

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const plain = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(plain).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : plain[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The header with the event's number in its room: 1, 2, 3… without gaps, in the order the room's
 * changes committed. Keep the last number you applied; when a delivery's number jumps past it,
 * the events in between (not subscribed to, or still being retried) are at the server's
 * `GET /v1/accounts/{id}/rooms/{room}/events?after_room_seq=`. Not covered by the signature.
 */
export const ROOM_SEQ_HEADER = 'collabkit-room-seq';

/** The event's number in its room from a delivery's headers; `undefined` without a valid one. */
export function roomSeq(headers: HeadersLike): number | undefined {
  const value = header(headers, ROOM_SEQ_HEADER);
  return value !== undefined && /^[0-9]{1,15}$/.test(value) ? Number(value) : undefined;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (encoded.length === 0 || encoded.length % 4 !== 0 || !BASE64.test(encoded)) {
    throw new WebhookVerificationError(
      'invalid_secret',
      'the secret is not a signing secret (whsec_ followed by base64)',
    );
  }
  return Buffer.from(encoded, 'base64');
}

/**
 * Checks a CollabKit delivery (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature` with one or more space-separated `v1,<base64>` signatures) and returns its
 * payload, typed. Throws a {@link WebhookVerificationError} when a header is missing, no
 * signature matches, the timestamp is outside the tolerance, or the secret is malformed.
 * Pass the body exactly as received: re-serialized JSON does not match its signature.
 */
export function verifyWebhook(
  secret: string,
  headers: HeadersLike,
  rawBody: RawBody,
  options: VerifyOptions = {},
): WebhookPayload {
  const key = signingKey(secret);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  for (const [name, value] of [
    ['webhook-id', id],
    ['webhook-timestamp', timestamp],
    ['webhook-signature', signatures],
  ] as const) {
    if (!value) {
      throw new WebhookVerificationError('missing_header', `the ${name} header is missing`);
    }
  }
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp!) || !Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      'the webhook-timestamp header is not a Unix time in seconds',
    );
  }
  const nowMs =
    options.now === undefined
      ? Date.now()
      : typeof options.now === 'number'
        ? options.now
        : options.now.getTime();
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(Math.floor(nowMs / 1000) - seconds) > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `the webhook-timestamp is more than ${tolerance} s away from now`,
    );
  }
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const expected = createHmac('sha256', key)
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest();
  const matched = signatures!
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  if (!matched) {
    throw new WebhookVerificationError('invalid_signature', 'no signature matches this body');
  }
  try {
    return JSON.parse(body.toString('utf8')) as WebhookPayload;
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'the body is not JSON');
  }
}
