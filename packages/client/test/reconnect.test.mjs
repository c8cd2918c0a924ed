// Reconnecting: a server restart, a crash (SIGKILL), a network cut and a network that swallows
// packets; the client comes back by itself, rehydrates, and nobody sees the user leave.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joined, next, record, roomEvents, roomWithUsers, sleep, startServer, tcpProxy, until } from './support.mjs';

// A graceful stop (SIGTERM) ends every participation it holds, with its events, on purpose: the
// stop is deliberate and the server does not know it will come back. After a crash (SIGKILL) the
// next start lets users coming back within the leave grace resume theirs.
const RESUMES = { SIGTERM: false, SIGKILL: true };

/** Two joined clients with everything they emit recorded. */
async function pair(t, server, { viaProxy } = {}) {
  const { room, users } = await roomWithUsers(server, 'Ann', 'Bob');
  const ann = await joined(t, server, users[0].token);
  const bob = await joined(t, viaProxy ? { base: viaProxy.base } : server, users[1].token);
  await until(() => ann.users.online.size === 2 && bob.users.online.size === 2, 'both online');
  const log = (client) => ({
    joined: record(client.users, 'userJoined', (u) => u.id),
    left: record(client.users, 'userLeft', (u) => u.id),
    // Both, in order: `+id` joined, `-id` left.
    seq: (() => {
      const seq = [];
      client.users.on('userJoined', (u) => seq.push(`+${u.id}`));
      client.users.on('userLeft', (u) => seq.push(`-${u.id}`));
      return seq;
    })(),
    socket: [],
  });
  const annLog = log(ann);
  const bobLog = log(bob);
  for (const [client, l] of [
    [ann, annLog],
    [bob, bobLog],
  ]) {
    for (const event of ['connected', 'disconnected', 'reconnecting', 'reconnected', 'failed', 'authFailed']) {
      client.socket.on(event, (info) => l.socket.push(event === 'reconnecting' ? `${event} ${info.attempt}` : event));
    }
  }
  return { room, users, ann, bob, annLog, bobLog };
}

/** The participant events stored for the room: no left/joined pair in a reconnect. */
async function participantEvents(server, roomId) {
  const events = await roomEvents(server, roomId);
  return events.filter((e) => e.event.startsWith('participant.') || e.event.startsWith('session.')).map((e) => `${e.event} ${e.payload.user?.name ?? ''}`.trim());
}

for (const signal of ['SIGTERM', 'SIGKILL']) {
  test(`a server ${signal === 'SIGTERM' ? 'restart' : 'crash (SIGKILL)'}: reconnecting, reconnected, rehydrated, no duplicate participant events`, async (t) => {
    const server = await startServer(t);
    const { room, ann, bob, annLog, bobLog } = await pair(t, server);
    bob.presence.update({ cursor: { x: 5, y: 6 } });
    ann.presence.update({ cursor: { x: 1, y: 2 } });
    await until(() => ann.presence.getStates().get(bob.userId)?.cursor?.x === 5, "Bob's presence at Ann");
    await until(() => bob.presence.getStates().get(ann.userId)?.cursor?.x === 1, "Ann's presence at Bob");
    const before = await participantEvents(server, room.id);
    assert.deepEqual(before, ['session.started', 'participant.joined Ann', 'participant.joined Bob']);

    const annBack = next(ann.socket, 'reconnected', 20_000);
    const bobBack = next(bob.socket, 'reconnected', 20_000);
    await server.stop(signal);
    await until(() => annLog.socket.includes('disconnected') && bobLog.socket.includes('disconnected'), 'both disconnected');
    assert.equal(ann.connected, false);
    await sleep(200);
    await server.restart();
    await Promise.all([annBack, bobBack]);

    for (const l of [annLog, bobLog]) {
      assert.equal(l.socket[0], 'disconnected', l.socket.join(', '));
      assert.equal(l.socket[1], 'reconnecting 1', 'the first attempt at once');
      assert.equal(l.socket.at(-1), 'reconnected', l.socket.join(', '));
      assert.ok(!l.socket.includes('failed') && !l.socket.includes('connected'), l.socket.join(', '));
      assert.equal(l.socket.filter((e) => e === 'disconnected').length, 1, 'one disconnected for one drop');
    }
    assert.ok(ann.connected && ann.joined && bob.joined);
    assert.equal(ann.currentUser.status, 'online');
    // Rehydrated: everyone online, everyone's presence.
    await until(() => ann.presence.getStates().get(bob.userId)?.cursor?.x === 5, "Bob's presence at Ann again");
    await until(() => bob.presence.getStates().get(ann.userId)?.cursor?.x === 1, "Ann's presence at Bob again");
    assert.deepEqual([...ann.users.online.keys()].sort(), [ann.userId, bob.userId].sort());
    assert.deepEqual([...bob.users.online.keys()].sort(), [ann.userId, bob.userId].sort());
    // Live again both ways.
    bob.presence.update({ cursor: { x: 50, y: 60 } });
    await until(() => ann.presence.getStates().get(bob.userId)?.cursor?.x === 50, 'a presence after the restart');
    const pings = record(bob.notifications, 'ping');
    ann.notifications.broadcast('ping', { after: true });
    await until(() => pings.length === 1, 'a broadcast after the restart');

    // Never a duplicate: a user online before is told left before joined, and each at most once
    // per change, ending online.
    for (const l of [annLog, bobLog]) {
      const ids = new Set(l.seq.map((e) => e.slice(1)));
      for (const id of ids) {
        const mine = l.seq.filter((e) => e.slice(1) === id).map((e) => e[0]);
        assert.ok(mine.every((sign, i) => sign === (i % 2 ? '+' : '-')) && mine.at(-1) === '+', `no duplicate: ${l.seq.join(' ')}`);
      }
    }

    // After a crash, nobody saw anybody leave or join, and no webhook event says so.
    if (!RESUMES[signal]) return;
    // Presence is ephemeral: a crash loses it, so Bob's may read null at Ann until Bob's client
    // sends it again (asserted above); the participation itself is never interrupted.
    await t.test('no userJoined/userLeft, no participant.left/joined stored', async () => {
      assert.deepEqual([annLog.joined, annLog.left, bobLog.joined, bobLog.left], [[], [], [], []], 'no userJoined/userLeft');
      await sleep(3500); // past the leave grace
      assert.deepEqual(await participantEvents(server, room.id), before, 'no participant.left/joined pair stored');
    });
  });
}

test('a network cut through a proxy: reconnecting until it is back, then rehydrated, no flap', async (t) => {
  const server = await startServer(t);
  const proxy = await tcpProxy(t, server.port);
  const { room, ann, bob, annLog, bobLog } = await pair(t, server, { viaProxy: proxy });
  bob.presence.update({ cursor: { x: 3, y: 4 } });
  await until(() => ann.presence.getStates().get(bob.userId)?.cursor?.x === 3, "Bob's presence");
  const before = await participantEvents(server, room.id);

  proxy.cut();
  await until(() => bobLog.socket.includes('disconnected'), 'Bob disconnected');
  assert.equal(bob.currentUser.status, 'offline');
  // While cut, Ann moves: Bob gets it in his next welcome.
  ann.presence.update({ cursor: { x: 70, y: 80 } });
  await until(() => bobLog.socket.filter((e) => e.startsWith('reconnecting')).length >= 3, 'a few attempts');
  const attempts = bobLog.socket.filter((e) => e.startsWith('reconnecting')).map((e) => Number(e.split(' ')[1]));
  assert.deepEqual(attempts, attempts.map((_, i) => i + 1), 'attempts are numbered');
  assert.equal(bob.connected, false);

  proxy.restore();
  await until(() => bobLog.socket.at(-1) === 'reconnected', 'Bob reconnected', 15_000);
  assert.equal(bob.currentUser.status, 'online');
  assert.equal(bob.presence.getStates().get(ann.userId)?.cursor?.x, 70, "Ann's move rehydrated from the welcome");
  assert.equal(bob.presence.getStates().get(ann.userId)?.color, ann.currentUser.color);
  bob.presence.update({ cursor: { x: 9, y: 9 } });
  await until(() => ann.presence.getStates().get(bob.userId)?.cursor?.x === 9, 'Bob live again');
  assert.deepEqual([annLog.joined, annLog.left, bobLog.joined, bobLog.left], [[], [], [], []], 'no userJoined/userLeft');
  assert.deepEqual(annLog.socket, [], 'Ann never noticed');
  await sleep(3500);
  assert.deepEqual(await participantEvents(server, room.id), before, 'no participant.left/joined pair stored');
});

test('a network that swallows packets: the heartbeat notices, the client reconnects', async (t) => {
  const server = await startServer(t);
  const proxy = await tcpProxy(t, server.port);
  const { users } = await roomWithUsers(server, 'Ann', 'Bob');
  const ann = await joined(t, server, users[0].token);
  const bob = await joined(t, { base: proxy.base }, users[1].token, { heartbeatMs: 300 });
  const events = [];
  for (const e of ['disconnected', 'reconnecting', 'reconnected']) bob.socket.on(e, () => events.push(e));
  await sleep(800);
  assert.deepEqual(events, [], 'pings keep a quiet healthy socket alive');

  const at = Date.now();
  proxy.blackhole();
  await until(() => events.includes('disconnected'), 'the dead socket noticed');
  const noticed = Date.now() - at;
  assert.ok(noticed < 3000, `noticed after ${noticed} ms (heartbeat 300 ms)`);
  proxy.restore();
  await until(() => events.at(-1) === 'reconnected', 'reconnected');
  const left = record(ann.users, 'userLeft');
  bob.presence.update({ cursor: { x: 1, y: 1 } });
  await until(() => ann.presence.getStates().get(bob.userId)?.cursor?.x === 1, 'Bob live again');
  assert.equal(left.length, 0);
});

test('attempts exhausted: failed, and the client stays closed', async (t) => {
  const server = await startServer(t);
  const proxy = await tcpProxy(t, server.port);
  const { users } = await roomWithUsers(server, 'Ann');
  const ann = await joined(t, { base: proxy.base }, users[0].token, {
    reconnect: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50 },
  });
  const events = [];
  for (const e of ['disconnected', 'reconnecting', 'reconnected', 'failed']) ann.socket.on(e, (i) => events.push(i?.attempt ? `${e} ${i.attempt}` : e));
  proxy.cut();
  await until(() => events.includes('failed'), 'failed');
  assert.deepEqual(events, ['disconnected', 'reconnecting 1', 'reconnecting 2', 'reconnecting 3', 'failed']);
  proxy.restore();
  await sleep(300);
  assert.equal(events.length, 5, 'no attempt after failed');
  assert.equal(ann.connected, false);
  // connect() again starts over.
  await ann.connect();
  await ann.join();
  assert.ok(ann.joined);
});
