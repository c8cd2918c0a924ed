// authFailed: a token that is not one, an expired one (a server issuing 2-second tokens), an
// expiry met on a reconnect, and a deleted user's token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CollabKitError } from '../dist/index.js';
import { api, newClient, record, roomWithUsers, sleep, startServer, tcpProxy, until } from './support.mjs';

/** The `exp` claim of a JWT, in ms. */
const expiry = (token) => 1000 * JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;

/** Waits until `token` has expired (by its own claim). */
async function expired(token) {
  const wait = expiry(token) - Date.now() + 1100;
  if (wait > 0) await sleep(wait);
}

function socketLog(client) {
  const log = [];
  for (const e of ['connected', 'disconnected', 'reconnecting', 'reconnected', 'failed', 'authFailed']) {
    client.socket.on(e, (info) => log.push(e === 'authFailed' ? `authFailed ${info.code}` : e));
  }
  return log;
}

test('a bad token: connect rejects, authFailed, no reconnecting', async (t) => {
  const server = await startServer(t);
  const { users } = await roomWithUsers(server, 'Ann');
  for (const token of ['not-a-token', `${users[0].token.slice(0, -4)}AAAA`, 'eyJhbGciOiJub25lIn0.eyJ1c2VySWQiOiJ4In0.']) {
    const client = newClient(t, server, token);
    const log = socketLog(client);
    const failed = record(client.socket, 'authFailed');
    await assert.rejects(client.connect(), (e) => e instanceof CollabKitError && e.code === 'invalid_token');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].code, 'invalid_token');
    assert.match(failed[0].message, /token/);
    await sleep(200);
    assert.deepEqual(log, ['authFailed invalid_token'], token);
    assert.equal(client.connected, false);
    await assert.rejects(client.join(), { code: 'not_connected' });
  }
  // The good one still works.
  const ok = newClient(t, server, users[0].token);
  await ok.connect();
  assert.equal(ok.userId, users[0].user.id);
});

test('an expired token: authFailed token_expired, on connect and on a reconnect', async (t) => {
  const server = await startServer(t, { args: ['--user-token-ttl', '2s'] });
  const { room, users } = await roomWithUsers(server, 'Ann');
  const old = users[0].token;
  assert.ok(expiry(old) - Date.now() <= 3000, 'a 2-second token');
  await expired(old);
  const client = newClient(t, server, old);
  const log = socketLog(client);
  await assert.rejects(client.connect(), (e) => e.code === 'token_expired' && /expired/.test(e.message));
  assert.deepEqual(log, ['authFailed token_expired']);

  // A read of the user issues a fresh token, which connects; expired while the client is away,
  // the reconnect ends in authFailed, and the client stays closed.
  let fresh;
  for (;;) {
    fresh = (await api(server, 'GET', `/users/${users[0].user.id}?roomId=${room.id}`)).user.token;
    if (expiry(fresh) - Date.now() > 800) break;
    await sleep(200);
  }
  const proxy = await tcpProxy(t, server.port);
  const again = newClient(t, { base: proxy.base }, fresh);
  const againLog = socketLog(again);
  await again.connect();
  await again.join();
  proxy.cut();
  await until(() => againLog.includes('disconnected'), 'the drop');
  await expired(fresh);
  proxy.restore();
  await until(() => againLog.some((e) => e.startsWith('authFailed')), 'authFailed on the reconnect');
  await sleep(300);
  assert.equal(againLog[0], 'connected');
  assert.equal(againLog[1], 'disconnected');
  assert.equal(againLog.at(-1), 'authFailed token_expired', againLog.join(', '));
  assert.ok(!againLog.includes('reconnected') && !againLog.includes('failed'), againLog.join(', '));
  assert.equal(again.connected, false);
});

test("a deleted user's token: authFailed user_not_found", async (t) => {
  const server = await startServer(t);
  const { users } = await roomWithUsers(server, 'Ann');
  await api(server, 'DELETE', `/users/${users[0].user.id}`);
  const client = newClient(t, server, users[0].token);
  const log = socketLog(client);
  await assert.rejects(client.connect(), { code: 'user_not_found' });
  assert.deepEqual(log, ['authFailed user_not_found']);
});
