// Compiled with `tsc --noEmit` by `npm test`: the alert union narrows on `event`, apart from
// the seven webhook events.
import {
  ALERT_EVENT_NAMES,
  verifyAlert,
  type AlertEvent,
  type AlertEventName,
  type AlertLogEntry,
  type DisableReason,
  type WebhookEventName,
} from '../src/index.js';

/** Compiles only when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;

same<AlertEvent['event'], AlertEventName>(true);
same<(typeof ALERT_EVENT_NAMES)[number], AlertEventName>(true);
same<DisableReason, 'gone' | 'auto' | 'manual'>(true);
// Apart from the webhook events: no name is both.
same<Extract<AlertEventName, WebhookEventName>, never>(true);

// @ts-expect-error an alert kind is not a webhook event
export const notAnEvent: WebhookEventName = 'registration.failing';

export function describe(alert: AlertEvent): string {
  switch (alert.event) {
    case 'registration.failing':
      return `${alert.webhook_id}: ${alert.consecutive_failures}/${alert.failure_threshold} failed (${alert.status_code ?? alert.error})`;
    case 'registration.disabled':
      return `${alert.webhook_id} disabled (${alert.reason})`;
    case 'registration.recovered':
      // @ts-expect-error a recovery has no reason
      return alert.reason;
    case 'delivery.exhausted':
      return `${alert.delivery_id} of ${alert.url} failed`;
  }
}

export function handler(secret: string, headers: Headers, body: string): string {
  return describe(verifyAlert(secret, headers, body));
}

export const entry: AlertLogEntry = {
  id: 'alr_1',
  kind: 'delivery.exhausted',
  webhook_id: 'wh_1',
  status: 'suppressed',
  attempts: 0,
  last_attempt_at: null,
  next_retry_at: null,
  status_code: null,
  error: null,
  created_at: '2026-01-01T00:00:00Z',
  payload: '{}',
};

export const badStatus: AlertLogEntry = {
  ...entry,
  // @ts-expect-error the log's statuses are the four of AlertStatus
  status: 'sent',
};
