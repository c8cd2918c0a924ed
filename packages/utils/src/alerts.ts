// Delivery alerts: what the account's alert destination receives when its webhook
// registrations break. Typed apart from the seven WebhookEventName values (those are about
// rooms and users). Mirrors `crates/collabkit-webhooks/src/types/alerts.rs`.

import {
  verifyWebhook,
  WebhookVerificationError,
  type HeadersLike,
  type RawBody,
  type VerifyOptions,
} from './verify.js';

/** The kinds of alert. */
export type AlertEventName =
  | 'registration.failing'
  | 'registration.disabled'
  | 'registration.recovered'
  | 'delivery.exhausted';

/** Every alert kind, in the order the server documents them. */
export const ALERT_EVENT_NAMES: readonly AlertEventName[] = [
  'registration.failing',
  'registration.disabled',
  'registration.recovered',
  'delivery.exhausted',
];

/** Why a registration was disabled: 410 Gone, the auto-disable rule, or through the API. */
export type DisableReason = 'gone' | 'auto' | 'manual';

interface AlertBase<E extends AlertEventName> {
  /** The alert's id: also its `webhook-id` header. */
  id: string;
  event: E;
  /** When the alert was decided (RFC 3339, UTC). */
  timestamp: string;
  /** The account. */
  organization_id: string;
  /** The registration it is about, and its URL (alerts are never sent there). */
  webhook_id: string;
  url: string;
}

/** A registration reached the destination's `failure_threshold` failed attempts in a row (once per streak). */
export interface RegistrationFailingAlert extends AlertBase<'registration.failing'> {
  consecutive_failures: number;
  failure_threshold: number;
  /** The last failed attempt's HTTP status (null: no answer) and error. */
  status_code: number | null;
  error: string | null;
}

/** A registration was disabled. */
export interface RegistrationDisabledAlert extends AlertBase<'registration.disabled'> {
  reason: DisableReason;
}

/** A registration that was alerted failing, or disabled, delivered successfully again. */
export type RegistrationRecoveredAlert = AlertBase<'registration.recovered'>;

/** A delivery's retry schedule was exhausted: it is `failed`. */
export interface DeliveryExhaustedAlert extends AlertBase<'delivery.exhausted'> {
  delivery_id: string;
  status_code: number | null;
  error: string | null;
}

/** Union of every alert body; narrows on `event`. */
export type AlertEvent =
  | RegistrationFailingAlert
  | RegistrationDisabledAlert
  | RegistrationRecoveredAlert
  | DeliveryExhaustedAlert;

/** The account's alert destination (`/alerts/destination`); `secret` only when created or rotated. */
export interface AlertDestination {
  url: string;
  failure_threshold: number;
  secret?: string;
  created_at: string;
  updated_at: string;
}

/** Where an alert of the log is; `suppressed`: held back by the rate limit, never sent. */
export type AlertStatus = 'pending' | 'success' | 'failed' | 'suppressed';

/** One alert of the log (`GET /alerts`). */
export interface AlertLogEntry {
  id: string;
  kind: AlertEventName;
  webhook_id: string;
  status: AlertStatus;
  attempts: number;
  last_attempt_at: string | null;
  next_retry_at: string | null;
  status_code: number | null;
  error: string | null;
  created_at: string;
  /** The {@link AlertEvent} as JSON, byte for byte as sent. */
  payload: string;
}

/** Whether a parsed body is an alert rather than a webhook payload. */
export function isAlertEvent(body: { event: string }): body is AlertEvent {
  return (ALERT_EVENT_NAMES as readonly string[]).includes(body.event);
}

/**
 * Checks an alert the way {@link verifyWebhook} checks a delivery (Standard Webhooks), with
 * the alert destination's secret, and returns it typed. Throws a
 * {@link WebhookVerificationError} as `verifyWebhook` does, and `invalid_payload` for a signed
 * body that is not an alert (a delivery sent to the wrong endpoint).
 */
export function verifyAlert(
  secret: string,
  headers: HeadersLike,
  rawBody: RawBody,
  options: VerifyOptions = {},
): AlertEvent {
  const body = verifyWebhook(secret, headers, rawBody, options) as unknown as { event: string };
  if (!isAlertEvent(body)) {
    throw new WebhookVerificationError('invalid_payload', 'the body is not a delivery alert');
  }
  return body;
}
