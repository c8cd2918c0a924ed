// The example answers a signed delivery at once, handles each event once, refuses a forgery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import { receiver } from './server.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = JSON.stringify({
  id: 'evt_1',
  event: 'session.started',
  timestamp: '2026-11-30T00:00:00Z',
  room: {
    id: 'room_1',
    account_id: 'acct_1',
    name: 'R',
    custom_id: null,
    created_at: '2026-11-30T00:00:00Z',
    state: 'active',
    duration_seconds: 0,
    active_participants: 1,
    total_users_created: 1,
  },
});

function sign(id, ts, body) {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
}

test('verifies, answers at once, handles once, refuses forgeries', async () => {
  const handled = [];
  const server = receiver(SECRET, (p) => handled.push(p.id));
  await new Promise((r) => server.listen(0, r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const ts = String(Math.floor(Date.now() / 1000));
  const post = (signature) =>
    fetch(url, {
      method: 'POST',
      headers: { 'webhook-id': 'evt_1', 'webhook-timestamp': ts, 'webhook-signature': signature },
      body: BODY,
    });
  assert.equal((await post(sign('evt_1', ts, BODY))).status, 204);
  assert.equal((await post(sign('evt_1', ts, BODY))).status, 204);
  assert.equal((await post('v1,AAAA')).status, 400);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(handled, ['evt_1']);
  server.close();
});
