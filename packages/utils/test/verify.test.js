// The package as a user installs it: the built ESM output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';

import { roomSeq, ROOM_SEQ_HEADER, verifyWebhook, WebhookVerificationError } from '../dist/index.js';

// The test vector published with the Standard Webhooks specification.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const MSG_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const AT_VECTOR = { now: TIMESTAMP * 1000 };

const vectorHeaders = (signature = SIGNATURE) => ({
  'webhook-id': MSG_ID,
  'webhook-timestamp': String(TIMESTAMP),
  'webhook-signature': signature,
});

const code = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof WebhookVerificationError, `not a WebhookVerificationError: ${e}`);
    return e.code;
  }
  assert.fail('did not throw');
};

test('the Standard Webhooks test vector verifies', () => {
  assert.deepEqual(verifyWebhook(SECRET, vectorHeaders(), BODY, AT_VECTOR), { test: 2432232314 });
});

test('any of several space-separated signatures may match', () => {
  const headers = vectorHeaders(`v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${SIGNATURE}`);
  assert.deepEqual(verifyWebhook(SECRET, headers, BODY, AT_VECTOR), { test: 2432232314 });
});

test('headers as a plain object (any case), a Node string[] or a Fetch Headers', () => {
  const mixed = {
    'Webhook-Id': MSG_ID,
    'WEBHOOK-TIMESTAMP': [String(TIMESTAMP)],
    'webhook-signature': SIGNATURE,
  };
  assert.ok(verifyWebhook(SECRET, mixed, BODY, AT_VECTOR));
  assert.ok(verifyWebhook(SECRET, new Headers(vectorHeaders()), BODY, AT_VECTOR));
});

test('the body as a string, a Buffer or a Uint8Array', () => {
  for (const body of [BODY, Buffer.from(BODY), new TextEncoder().encode(BODY)]) {
    assert.deepEqual(verifyWebhook(SECRET, vectorHeaders(), body, AT_VECTOR), { test: 2432232314 });
  }
});

test('a changed body, a wrong secret or a foreign scheme is refused', () => {
  assert.equal(code(() => verifyWebhook(SECRET, vectorHeaders(), '{"test": 1}', AT_VECTOR)), 'invalid_signature');
  const other = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
  assert.equal(code(() => verifyWebhook(other, vectorHeaders(), BODY, AT_VECTOR)), 'invalid_signature');
  assert.equal(code(() => verifyWebhook(SECRET, vectorHeaders('v2,' + SIGNATURE.slice(3)), BODY, AT_VECTOR)), 'invalid_signature');
});

test('a timestamp outside the tolerance is refused; the tolerance is configurable', () => {
  const later = { now: (TIMESTAMP + 301) * 1000 };
  assert.equal(code(() => verifyWebhook(SECRET, vectorHeaders(), BODY, later)), 'timestamp_out_of_tolerance');
  assert.ok(verifyWebhook(SECRET, vectorHeaders(), BODY, { ...later, toleranceSeconds: 400 }));
  const headers = { ...vectorHeaders(), 'webhook-timestamp': 'yesterday' };
  assert.equal(code(() => verifyWebhook(SECRET, headers, BODY, AT_VECTOR)), 'timestamp_out_of_tolerance');
});

test('a missing header or a malformed secret is named', () => {
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const headers = vectorHeaders();
    delete headers[name];
    const err = (() => {
      try {
        verifyWebhook(SECRET, headers, BODY, AT_VECTOR);
      } catch (e) {
        return e;
      }
    })();
    assert.equal(err.code, 'missing_header');
    assert.match(err.message, new RegExp(name));
  }
  for (const bad of ['whsec_***', 'whsec_', 'not base64!']) {
    assert.equal(code(() => verifyWebhook(bad, vectorHeaders(), BODY, AT_VECTOR)), 'invalid_secret');
  }
});

test('agrees with the standardwebhooks package', () => {
  const secret = 'whsec_' + Buffer.from('collabkit-cross-check-key-32byte').toString('base64');
  const theirs = new Webhook(secret);
  const payload = JSON.stringify({ id: 'evt_1', event: 'session.started', timestamp: '2026-11-30T00:00:00Z' });
  const now = new Date();
  const headers = {
    'webhook-id': 'evt_1',
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': theirs.sign('evt_1', now, payload),
  };
  assert.equal(verifyWebhook(secret, headers, payload).event, 'session.started');
  // Both accept the same delivery and both refuse the same tampering.
  assert.ok(theirs.verify(payload, headers));
  const tampered = payload.replace('started', 'closed');
  assert.throws(() => theirs.verify(tampered, headers));
  assert.equal(code(() => verifyWebhook(secret, headers, tampered)), 'invalid_signature');
});

test('the room number is read from plain or Fetch headers, in any case, and only when it is one', () => {
  assert.equal(ROOM_SEQ_HEADER, 'collabkit-room-seq');
  assert.equal(roomSeq({ 'Collabkit-Room-Seq': '42' }), 42);
  assert.equal(roomSeq({ 'collabkit-room-seq': ['7', '8'] }), 7);
  assert.equal(roomSeq(new Headers({ 'collabkit-room-seq': '3' })), 3);
  assert.equal(roomSeq({}), undefined);
  for (const bad of ['', 'x', '-1', '1.5', '1e3']) {
    assert.equal(roomSeq({ 'collabkit-room-seq': bad }), undefined, bad);
  }
});
