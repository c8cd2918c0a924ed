// Two nodes on one PostgreSQL database (the same --database and --secret-key), a client on each:
// they see each other's join, presence, broadcasts (targeted too), follows, user lifecycle and
// leave. The database is made for the test and dropped after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, joined, record, roomWithUsers, twoPostgresNodes, until } from './support.mjs';

test('two nodes on PostgreSQL: clients on different nodes see each other', async (t) => {
  const [one, two] = await twoPostgresNodes(t);
  assert.notEqual(one.base, two.base);

  const { room, users } = await roomWithUsers(one, 'Ann', 'Bob', 'Cy');
  const ann = await joined(t, one, users[0].token);
  const annJoined = record(ann.users, 'userJoined');
  // A token issued by node one is accepted by node two (the same derived signing key).
  const bob = await joined(t, two, users[1].token);
  await until(() => annJoined.length === 1, 'Bob (node two) joining, at Ann (node one)');
  assert.equal(annJoined[0].id, bob.userId);
  assert.ok(bob.users.online.has(ann.userId), "Ann in Bob's welcome");

  // Presence with the same colour on both nodes.
  const atBob = [];
  bob.presence.sync('*', (e) => atBob.push(e));
  ann.presence.update({ cursor: { x: 11, y: 12 } });
  await until(() => atBob.at(-1)?.state?.cursor?.x === 11, "Ann's presence at Bob");
  assert.equal(atBob.at(-1).state.color, ann.currentUser.color);
  assert.equal(bob.users.all.get(ann.userId).color, ann.currentUser.color, 'one colour on every node');
  bob.presence.update({ cursor: { x: 21, y: 22 } });
  await until(() => ann.presence.getStates().get(bob.userId)?.cursor?.x === 21, "Bob's presence at Ann");

  // Broadcasts, to everyone and targeted, across nodes; Cy on node two must not get Ann's
  // targeted one to Bob.
  const cy = await joined(t, two, users[2].token);
  const bobGot = record(bob.notifications, 'emoji');
  const cyGot = record(cy.notifications, 'emoji');
  ann.notifications.broadcast('emoji', { e: 'all' });
  await until(() => bobGot.length === 1 && cyGot.length === 1, 'the broadcast on node two');
  ann.notifications.broadcast('emoji', { e: 'bob only' }, [bob.userId]);
  await until(() => bobGot.length === 2, 'the targeted broadcast at Bob');
  ann.notifications.broadcast('emoji', { e: 'fence' });
  await until(() => cyGot.length === 2, 'the fence at Cy');
  assert.deepEqual(cyGot.map((d) => d.e), ['all', 'fence']);
  const annGot = record(ann.notifications, 'emoji');
  bob.notifications.broadcast('emoji', { e: 'from two' }, [ann.userId]);
  await until(() => annGot.length === 1, 'a targeted broadcast from node two to node one');

  // A follow on node two, seen on node one; sync('following') across nodes.
  const following = [];
  ann.presence.sync('following', (e) => following.push(e));
  await bob.users.all.get(ann.userId).follow();
  await until(() => ann.users.all.get(ann.userId).followers.includes(bob.userId), 'the follow at Ann');
  await ann.users.all.get(bob.userId).follow();
  bob.presence.update({ cursor: { x: 31, y: 32 } });
  await until(() => following.at(-1)?.state?.cursor?.x === 31, "the followed user's move across nodes");

  // A user created through node two's API, seen by Ann on node one.
  const created = record(ann.users, 'userCreated');
  await api(two, 'POST', '/users', { name: 'Dee', roomId: room.id });
  await until(() => created.length === 1 && created[0].name === 'Dee', 'userCreated across nodes');

  // Bob leaves node two: Ann sees him leave, his presence null.
  const left = record(ann.users, 'userLeft');
  const nulls = [];
  ann.presence.sync(bob.userId, (e) => e.state === null && nulls.push(e));
  bob.disconnect();
  await until(() => left.length === 1 && nulls.length === 1, 'Bob leaving, at Ann');
  assert.equal(left[0].id, bob.userId);
});
