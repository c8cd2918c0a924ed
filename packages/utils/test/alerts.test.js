// The package as a user installs it: the built ESM output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';

import { ALERT_EVENT_NAMES, isAlertEvent, verifyAlert, WebhookVerificationError } from '../dist/index.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function signed(body, id = 'alr_1') {
  const at = new Date();
  const signature = new Webhook(SECRET).sign(id, at, body);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

test('an alert signed with the destination secret verifies and is typed by its event', () => {
  const body = JSON.stringify({
    id: 'alr_1',
    event: 'registration.disabled',
    timestamp: '2026-01-01T00:00:00Z',
    organization_id: 'acct_1',
    webhook_id: 'wh_1',
    url: 'https://example.com/hook',
    reason: 'gone',
  });
  const alert = verifyAlert(SECRET, signed(body), body);
  assert.equal(alert.event, 'registration.disabled');
  assert.equal(alert.reason, 'gone');
});

test('a signed webhook delivery is not an alert', () => {
  const body = JSON.stringify({ id: 'evt_1', event: 'user.created', timestamp: 'x' });
  assert.equal(isAlertEvent(JSON.parse(body)), false);
  assert.throws(
    () => verifyAlert(SECRET, signed(body), body),
    (e) => e instanceof WebhookVerificationError && e.code === 'invalid_payload',
  );
});

test('the four kinds', () => {
  assert.deepEqual(ALERT_EVENT_NAMES, [
    'registration.failing',
    'registration.disabled',
    'registration.recovered',
    'delivery.exhausted',
  ]);
});
