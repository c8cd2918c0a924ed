// The SDK in Node against the real binary: joining, presence, broadcasts, follows, the user
// lifecycle and reads. Every test has a server of its own on a fresh SQLite file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import CollabKitClient, { CollabKitError, CollabKitUser } from '../dist/index.js';
import { api, joined, newClient, next, record, roomWithUsers, sleep, startServer, tcpProxy, until } from './support.mjs';

test('connect authenticates, join makes the user online and the others see userJoined', async (t) => {
  const server = await startServer(t);
  const { room, users } = await roomWithUsers(server, 'Ann', 'Bob');
  const ann = await joined(t, server, users[0].token);
  assert.equal(ann.userId, users[0].user.id);
  assert.equal(ann.currentRoom.id, room.id);
  assert.equal(ann.currentUser.status, 'online');
  assert.ok(ann.users.online.has(ann.userId));
  const joinedSeen = record(ann.users, 'userJoined');

  const bob = newClient(t, server, users[1].token);
  const connected = record(bob.socket, 'connected');
  await bob.connect();
  assert.equal(connected.length, 1);
  assert.equal(bob.currentUser.status, 'offline', 'connected is not joined');
  // Connected but not joined: nobody sees Bob yet.
  await sleep(200);
  assert.equal(joinedSeen.length, 0, 'a connection that has not joined is not a participant');
  await bob.join();
  assert.equal(bob.currentUser.status, 'online');
  await until(() => joinedSeen.length === 1, 'userJoined');
  assert.equal(joinedSeen[0].id, users[1].user.id);
  assert.ok(joinedSeen[0] instanceof CollabKitUser);
  assert.equal(joinedSeen[0].status, 'online');
  assert.equal(ann.users.online.get(users[1].user.id), joinedSeen[0]);
  // Bob's welcome lists Ann; both know every user of the room.
  assert.ok(bob.users.online.has(ann.userId));
  assert.deepEqual([...bob.users.all.keys()].sort(), users.map((u) => u.user.id).sort());

  // disconnect(): Bob leaves at once (no grace): Ann sees userLeft, Bob is offline.
  const left = record(ann.users, 'userLeft');
  const disconnected = record(bob.socket, 'disconnected');
  bob.disconnect();
  assert.equal(disconnected.length, 1);
  await until(() => left.length === 1, 'userLeft');
  assert.equal(left[0].id, users[1].user.id);
  assert.equal(ann.users.online.has(users[1].user.id), false);
  assert.equal(ann.users.all.get(users[1].user.id).status, 'offline');
  assert.equal(joinedSeen.length, 1, 'no second userJoined');
});

test('presence carries the user colour, is throttled to the latest, and is null on leave', async (t) => {
  const server = await startServer(t);
  const { users } = await roomWithUsers(server, 'Ann', 'Bob', 'Cy');
  const ann = await joined(t, server, users[0].token);
  const bob = await joined(t, server, users[1].token);
  const seen = [];
  ann.presence.sync('*', (e) => seen.push(e));

  // A burst of updates: at most a few frames, and the last state wins.
  for (let x = 0; x <= 40; x++) bob.presence.update({ cursor: { x, y: 2 } });
  await until(() => seen.at(-1)?.state?.cursor?.x === 40, 'the latest cursor');
  assert.ok(seen.length <= 3, `throttled: ${seen.length} updates reached Ann for 41 calls`);
  const state = seen.at(-1).state;
  assert.equal(seen.at(-1).userId, bob.userId);
  assert.match(state.color, /^#[0-9a-f]{6}$/i, 'the colour the server assigned');
  assert.equal(state.color, bob.currentUser.color, 'the same colour everywhere');
  assert.deepEqual(ann.presence.getStates().get(bob.userId), state);
  // Updates spaced out beyond the throttle all arrive.
  seen.length = 0;
  for (const x of [100, 101, 102]) {
    bob.presence.update({ cursor: { x, y: 0 } });
    await sleep(80);
  }
  await until(() => seen.length === 3, 'three spaced updates');

  // A user joining later gets the current presence in its welcome (and sync calls back at once).
  const cy = await joined(t, server, users[2].token);
  const cySeen = [];
  cy.presence.sync(bob.userId, (e) => cySeen.push(e));
  assert.equal(cySeen.length, 1);
  assert.equal(cySeen[0].state.cursor.x, 102);
  assert.equal(cySeen[0].state.color, state.color);

  // Clearing it: null.
  bob.presence.update(null);
  await until(() => seen.at(-1)?.state === null, 'null on clear');
  assert.equal(ann.presence.getStates().has(bob.userId), false);
  bob.presence.update({ cursor: { x: 7, y: 7 } });
  await until(() => seen.at(-1)?.state?.cursor?.x === 7, 'presence again');

  // Leaving: null for that user.
  seen.length = 0;
  bob.disconnect();
  await until(() => seen.some((e) => e.userId === bob.userId && e.state === null), 'null on leave');
  assert.equal(ann.presence.getStates().has(bob.userId), false);
  // A user with no presence who leaves is told as null too.
  const cyLeft = [];
  ann.presence.sync(cy.userId, (e) => cyLeft.push(e));
  cy.disconnect();
  await until(() => cyLeft.some((e) => e.state === null), 'null on leave without presence');

  // unsync: no more calls.
  ann.presence.unsync();
  const count = seen.length;
  const bob2 = await joined(t, server, users[1].token);
  bob2.presence.update({ cursor: { x: 1, y: 1 } });
  await until(() => ann.presence.getStates().get(bob2.userId)?.cursor?.x === 1, 'the state kept after unsync');
  assert.equal(seen.length, count, 'unsync stopped the callbacks');
});

test('a broadcast reaches every other participant, a targeted one only its target', async (t) => {
  const server = await startServer(t);
  const { users } = await roomWithUsers(server, 'Ann', 'Bob', 'Cy');
  const clients = [];
  for (const u of users) clients.push(await joined(t, server, u.token));
  const got = clients.map((c) => {
    const list = [];
    c.notifications.on('emoji', (data, meta) => list.push({ data, from: meta.userId, event: meta.event }));
    return list;
  });

  clients[0].notifications.broadcast('emoji', { emoji: '🎉' });
  await until(() => got[1].length === 1 && got[2].length === 1, 'the broadcast at Bob and Cy');
  assert.deepEqual(got[1][0], { data: { emoji: '🎉' }, from: clients[0].userId, event: 'emoji' });
  assert.equal(got[0].length, 0, 'not to the sender');

  clients[0].notifications.broadcast('emoji', { emoji: '👋' }, [clients[2].userId]);
  await until(() => got[2].length === 2, 'the targeted broadcast at Cy');
  assert.equal(got[2][1].data.emoji, '👋');
  // A broadcast to everyone after it, so that Bob has had the time to get the targeted one.
  clients[0].notifications.broadcast('emoji', { emoji: 'last' });
  await until(() => got[2].length === 3 && got[1].length === 2, 'the last broadcast');
  assert.deepEqual(
    got[1].map((g) => g.data.emoji),
    ['🎉', 'last'],
    'Bob never got the broadcast targeted at Cy',
  );

  // once / off / the unsubscribe of on.
  const once = [];
  clients[1].notifications.once('ping', (d) => once.push(d));
  const offCb = (d) => once.push({ off: d });
  clients[1].notifications.on('ping', offCb);
  clients[1].notifications.off('ping', offCb);
  const unsubscribe = clients[2].notifications.on('ping', (d) => once.push({ cy: d }));
  unsubscribe();
  clients[0].notifications.broadcast('ping', { n: 1 });
  clients[0].notifications.broadcast('ping', { n: 2 });
  clients[0].notifications.broadcast('emoji', { emoji: 'fence' });
  await until(() => got[1].length === 3, 'the fence');
  assert.deepEqual(once, [{ n: 1 }]);
});

test('follow and unfollow are seen by everyone, and sync("following") follows them', async (t) => {
  const server = await startServer(t);
  const { users } = await roomWithUsers(server, 'Ann', 'Bob', 'Cy');
  const ann = await joined(t, server, users[0].token);
  const bob = await joined(t, server, users[1].token);
  const cy = await joined(t, server, users[2].token);
  await until(() => ann.users.online.size === 3 && bob.users.online.size === 3, 'everyone online');

  const following = [];
  ann.presence.sync('following', (e) => following.push(e));
  bob.presence.update({ cursor: { x: 1, y: 1 } });
  cy.presence.update({ cursor: { x: 9, y: 9 } });
  await until(() => ann.presence.getStates().size === 2, 'both states at Ann');
  assert.equal(following.length, 0, 'Ann follows nobody yet');

  await ann.users.all.get(bob.userId).follow();
  assert.deepEqual(ann.currentUser.following, [bob.userId]);
  assert.deepEqual(ann.users.all.get(bob.userId).followers, [ann.userId]);
  // Following Bob tells his current state at once.
  assert.equal(following.at(-1).userId, bob.userId);
  assert.equal(following.at(-1).state.cursor.x, 1);
  // Everyone sees it.
  await until(() => cy.users.all.get(ann.userId).following.includes(bob.userId), 'the follow at Cy');
  await until(() => bob.users.all.get(bob.userId).followers.includes(ann.userId), 'the follow at Bob');

  bob.presence.update({ cursor: { x: 2, y: 2 } });
  cy.presence.update({ cursor: { x: 8, y: 8 } });
  await until(() => following.at(-1)?.state?.cursor?.x === 2, "Bob's move");
  await until(() => ann.presence.getStates().get(cy.userId)?.cursor?.x === 8, "Cy's move at Ann");
  assert.ok(following.every((e) => e.userId === bob.userId), 'only the followed user');

  // A newcomer learns the follows from its welcome.
  cy.disconnect();
  const cy2 = await joined(t, server, users[2].token);
  assert.deepEqual(cy2.users.all.get(ann.userId).following, [bob.userId]);
  assert.deepEqual(cy2.users.all.get(bob.userId).followers, [ann.userId]);

  // A user's own `changed` event.
  const changed = record(bob.users.all.get(ann.userId), 'changed');
  await ann.users.all.get(bob.userId).unfollow();
  assert.deepEqual(ann.currentUser.following, []);
  await until(() => changed.length > 0 && bob.users.all.get(ann.userId).following.length === 0, 'the unfollow at Bob');
  await until(() => cy2.users.all.get(bob.userId).followers.length === 0, 'the unfollow at Cy');
  const count = following.length;
  bob.presence.update({ cursor: { x: 3, y: 3 } });
  await until(() => ann.presence.getStates().get(bob.userId)?.cursor?.x === 3, "Bob's move after the unfollow");
  assert.equal(following.length, count, 'not followed any more');

  // Following oneself is refused by the SDK; a follow of an unknown user by the server.
  await assert.rejects(ann.currentUser.follow(), { code: 'invalid_request' });
});

test('userCreated, userUpdated and userDeleted follow the REST API', async (t) => {
  const server = await startServer(t);
  const { room, users } = await roomWithUsers(server, 'Ann');
  const ann = await joined(t, server, users[0].token);
  const created = record(ann.users, 'userCreated');
  const updated = record(ann.users, 'userUpdated');
  const deleted = record(ann.users, 'userDeleted');

  const { user: dee } = await api(server, 'POST', '/users', { name: 'Dee', roomId: room.id, customId: 'dee' });
  await until(() => created.length === 1, 'userCreated');
  assert.equal(created[0].id, dee.id);
  assert.equal(created[0].name, 'Dee');
  assert.equal(created[0].custom_id, 'dee');
  assert.equal(created[0].status, 'offline');
  assert.equal('token' in created[0], false, "no user's token in the SDK's users");
  assert.equal(ann.users.all.get(dee.id), created[0]);
  assert.equal(ann.users.online.has(dee.id), false);

  // A user of another room is not told.
  const other = await roomWithUsers(server);
  await api(server, 'POST', '/users', { name: 'Elsewhere', roomId: other.room.id });

  await api(server, 'PATCH', `/users/${dee.id}`, { name: 'Dee Dee', profilePicture: 'https://example.com/d.png' });
  await until(() => updated.length === 1, 'userUpdated');
  assert.equal(updated[0], created[0], 'the same instance, updated');
  assert.equal(updated[0].name, 'Dee Dee');
  assert.equal(updated[0].profile_picture, 'https://example.com/d.png');

  await api(server, 'DELETE', `/users/${dee.id}`);
  await until(() => deleted.length === 1, 'userDeleted');
  assert.equal(deleted[0].id, dee.id);
  assert.equal(ann.users.all.has(dee.id), false);
  assert.equal(created.length, 1);

  // The deleted user's own client is closed (4001) and stays closed.
  const { user: fay, token } = await api(server, 'POST', '/users', { name: 'Fay', roomId: room.id });
  const fayClient = await joined(t, server, token);
  const reconnecting = record(fayClient.socket, 'reconnecting');
  const gone = next(fayClient.socket, 'disconnected');
  await api(server, 'DELETE', `/users/${fay.id}`);
  const info = await gone;
  assert.equal(info.code, 4001);
  await sleep(300);
  assert.equal(reconnecting.length, 0, 'a removed user does not reconnect');
  assert.equal(fayClient.connected, false);
});

test('room.get, users.get and users.getAll read through the socket', async (t) => {
  const server = await startServer(t);
  const { room, users } = await roomWithUsers(server, 'Ann', 'Bob');
  const other = await roomWithUsers(server, 'Zed');
  const ann = newClient(t, server, users[0].token);
  await ann.connect();
  // Reads work before joining.
  const got = await ann.room.get();
  assert.equal(got.room.id, room.id);
  assert.deepEqual(got.users.map((u) => u.name), ['Ann', 'Bob']);
  assert.equal(got.users.some((u) => 'token' in u), false);
  const elsewhere = await ann.room.get({ roomId: other.room.id });
  assert.equal(elsewhere.room.id, other.room.id);
  assert.deepEqual(elsewhere.users.map((u) => u.name), ['Zed']);
  assert.equal(ann.currentRoom.id, room.id, 'another room does not replace the current one');

  const me = await ann.users.get();
  assert.equal(me, ann.currentUser);
  const bob = await ann.users.get({ userId: users[1].user.id });
  assert.equal(bob.name, 'Bob');
  assert.equal(ann.users.all.get(bob.id), bob);
  const all = await ann.users.getAll();
  assert.deepEqual(all.map((u) => u.name), ['Ann', 'Bob']);
  assert.ok(all.every((u) => u instanceof CollabKitUser && /^#[0-9a-f]{6}$/i.test(u.color)));

  await assert.rejects(ann.users.get({ userId: other.users[0].user.id }), (e) => e instanceof CollabKitError && e.code === 'not_found');
  await assert.rejects(ann.room.get({ roomId: 'room_nope' }), { code: 'not_found' });
  // Broadcasts need a join.
  assert.throws(() => ann.notifications.broadcast('x', {}), { code: 'not_joined' });
});

test('offline, presence keeps only the latest and other sends queue up to a bound', async (t) => {
  const server = await startServer(t);
  const { users } = await roomWithUsers(server, 'Ann', 'Bob');
  const ann = await joined(t, server, users[0].token);
  // Bob's network is a proxy the test cuts.
  const proxy = await tcpProxy(t, server.port);
  const bob = await joined(t, { base: proxy.base }, users[1].token, { maxQueued: 3 });
  const seen = [];
  ann.presence.sync('*', (e) => seen.push(e));
  const pings = record(ann.notifications, 'ping');

  const down = next(bob.socket, 'disconnected');
  proxy.cut();
  await down;
  for (let x = 0; x < 50; x++) bob.presence.update({ cursor: { x, y: 0 } });
  bob.notifications.broadcast('ping', { n: 1 });
  bob.notifications.broadcast('ping', { n: 2 });
  bob.notifications.broadcast('ping', { n: 3 });
  assert.throws(
    () => bob.notifications.broadcast('ping', { n: 4 }),
    (e) => e instanceof CollabKitError && e.code === 'queue_full' && /3 frames already wait/.test(e.message),
  );
  await assert.rejects(bob.users.all.get(ann.userId).follow(), { code: 'queue_full' });
  assert.equal(pings.length, 0);

  const back = next(bob.socket, 'reconnected');
  proxy.restore();
  await back;
  await until(() => pings.length === 3, 'the queued broadcasts');
  assert.deepEqual(pings.map((p) => p.n), [1, 2, 3]);
  await until(() => seen.at(-1)?.state?.cursor?.x === 49, 'the latest presence');
  const bobStates = seen.filter((e) => e.userId === bob.userId && e.state);
  assert.equal(bobStates.length, 1, `only the latest offline presence is sent: ${JSON.stringify(bobStates)}`);
  // Sends work as before.
  bob.notifications.broadcast('ping', { n: 5 });
  await until(() => pings.length === 4, 'a broadcast after the reconnect');
});

test('the client works with a constructor-injected WebSocket and refuses bad options', () => {
  assert.throws(() => new CollabKitClient({ authToken: 'x', WebSocket }), TypeError);
  assert.throws(() => new CollabKitClient({ serverUrl: 'http://x', WebSocket }), TypeError);
  const saved = globalThis.WebSocket;
  try {
    delete globalThis.WebSocket;
    assert.throws(() => new CollabKitClient({ serverUrl: 'http://x', authToken: 't' }), /WebSocket option/);
  } finally {
    if (saved) globalThis.WebSocket = saved;
  }
});

test('the users of reads carry the follows the welcome lists', async (t) => {
  const server = await startServer(t);
  const { room, users } = await roomWithUsers(server, 'Ann', 'Bob', 'Cy');
  const ann = await joined(t, server, users[0].token);
  await joined(t, server, users[1].token);
  await ann.users.all.get(users[1].user.id).follow();
  // Cy is connected, not joined: her users come from the reads only.
  const cy = newClient(t, server, users[2].token);
  await cy.connect();
  const all = await cy.users.getAll();
  const bob = all.find((u) => u.id === users[1].user.id);
  assert.deepEqual(bob.followers, [ann.userId], 'users.getAll');
  const { users: inRoom } = await cy.room.get();
  assert.deepEqual(inRoom.find((u) => u.id === ann.userId).following, [users[1].user.id], 'room.get');
  void room;
});
