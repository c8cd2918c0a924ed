// Stores without a server: a fake WebSocket with a small in-memory stores backend (versions,
// deltas and snapshots as docs/realtime-protocol.md has them) that the test controls frame by
// frame, to show what a real server rarely shows on demand: changes arriving out of version
// order, a gap that only stores.sync fills, a write whose answer was lost in a drop, and writes
// made while offline.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import CollabKitClient, { CollabKitError, defineStores } from '../dist/index.js';
import { packageDir } from './support.mjs';

const schemas = defineStores({
  tasks: { title: { type: 'string', required: true }, done: { type: 'boolean', default: false } },
  notes: { text: { type: 'string' } },
});

/** One store's rows on the fake server. */
function storeState() {
  return { version: 0, entries: new Map(), log: [] };
}

function fakeServer() {
  const server = {
    sockets: [],
    /** Every frame a client sent, in order. */
    sent: [],
    stores: new Map(),
    /** While true, requests are taken (and committed when `commitHeld`) but not answered. */
    hold: false,
    held: [],
    joins: [],
  };
  const state = (name) => {
    if (!server.stores.has(name)) server.stores.set(name, storeState());
    return server.stores.get(name);
  };
  /** Commits a change; returns its `store_changed` frame (delivered when the test says). */
  server.commit = (store, key, action, value) => {
    const s = state(store);
    if (action === 'delete' && !s.entries.has(key)) return null;
    const now = action === 'update' ? { ...s.entries.get(key), ...value } : value;
    s.version++;
    if (action === 'delete') s.entries.delete(key);
    else s.entries.set(key, now);
    const change = { key, action, value: action === 'delete' ? null : now, version: s.version };
    s.log.push(change);
    return { type: 'store_changed', store, ...change, userId: 'usr_other' };
  };
  server.deliver = (frame) => server.sockets.at(-1).push(frame);
  const answer = (f) => {
    const p = f.params ?? {};
    const s = state(p.store);
    switch (f.method) {
      case 'users.getAll':
        return { users: [] };
      case 'stores.set':
      case 'stores.update': {
        if (f.method === 'stores.update' && !s.entries.has(p.key)) return { error: { code: 'entry_not_found', message: 'nothing there' } };
        const frame = server.commit(p.store, p.key, f.method.slice(7), f.method === 'stores.set' ? { done: false, ...p.value } : p.value);
        return { version: frame.version, value: frame.value };
      }
      case 'stores.delete': {
        const frame = server.commit(p.store, p.key, 'delete');
        return { version: frame ? frame.version : null };
      }
      case 'stores.get':
        return { value: s.entries.get(p.key) ?? null };
      case 'stores.getAll':
        return { version: s.version, entries: Object.fromEntries(s.entries) };
      case 'stores.sync': {
        if (p.since === undefined || p.since > s.version) return { version: s.version, snapshot: true, entries: Object.fromEntries(s.entries) };
        const latest = new Map();
        for (const c of s.log) if (c.version > p.since) latest.set(c.key, c);
        return { version: s.version, changes: [...latest.values()].sort((a, b) => a.version - b.version) };
      }
    }
    return { error: { code: 'invalid_request', message: f.method } };
  };
  const user = { id: 'usr_a', room_id: 'room_1', name: 'Ann', profile_picture: null, custom_id: null, status: 'offline', created_at: 'x', joined_at: null, left_at: null, color: '#e5484d' };
  server.WebSocket = class {
    readyState = 0;
    onopen = null;
    onmessage = null;
    onclose = null;
    onerror = null;
    joined = false;
    constructor(url) {
      this.url = url;
      server.sockets.push(this);
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.({});
      }, 1);
    }
    push(frame) {
      if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) });
    }
    send(data) {
      const f = JSON.parse(data);
      server.sent.push(f);
      const reply = (frame) => setTimeout(() => this.push(frame), 1);
      if (f.type === 'auth') reply({ type: 'authenticated', protocol: 2, user, room: { id: 'room_1' } });
      if (f.type === 'join') {
        server.joins.push(f);
        this.joined = true;
        reply({ type: 'welcome', id: f.id, resumed: false, room: { id: 'room_1' }, user: { ...user, status: 'online' }, color: '#e5484d', participants: [], follows: [] });
      }
      if (f.type === 'request') {
        if (f.method.startsWith('stores.') && !['stores.get', 'stores.getAll'].includes(f.method) && !this.joined) {
          return reply({ type: 'response', id: f.id, error: { code: 'not_joined', message: 'join first' } });
        }
        if (server.hold && f.method.startsWith('stores.')) {
          // Committed now, the answer lost with the socket.
          server.held.push(answer(f));
          return;
        }
        const out = answer(f);
        reply(out.error ? { type: 'response', id: f.id, error: out.error } : { type: 'response', id: f.id, data: out });
      }
    }
    close() {
      this.readyState = 3;
    }
    drop(code = 1006) {
      this.readyState = 3;
      this.onclose?.({ code, reason: '' });
    }
  };
  return server;
}

async function until(check, what = 'the condition', ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function joinedClient(t, server, options = {}) {
  const client = new CollabKitClient({
    serverUrl: 'http://fake',
    authToken: 'tok',
    WebSocket: server.WebSocket,
    stores: schemas,
    heartbeatMs: 0,
    reconnect: { initialDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
  t.after(() => client.disconnect());
  await client.connect();
  await client.join();
  return client;
}

const entries = (server, store) => Object.fromEntries(server.stores.get(store)?.entries ?? []);
const syncs = (server) => server.sent.filter((f) => f.method === 'stores.sync');

test('the vendored schema rules are the very file of @collab-kit/utils', () => {
  const ours = readFileSync(path.join(packageDir, 'src/schema.ts'), 'utf8');
  const theirs = readFileSync(path.join(packageDir, '../utils/src/stores.ts'), 'utf8');
  assert.equal(ours, theirs, 'copy packages/utils/src/stores.ts to packages/client/src/schema.ts');
});

test('the join carries the schemas; client.stores has one store per schema', async (t) => {
  const server = fakeServer();
  const client = await joinedClient(t, server);
  assert.deepEqual(server.joins[0].stores, schemas);
  assert.deepEqual(Object.keys(client.stores), ['tasks', 'notes']);
  assert.equal(client.stores.tasks.name, 'tasks');
  assert.throws(() => new CollabKitClient({ serverUrl: 'x', authToken: 'y', stores: { t: { a: { type: 'date' } } } }), TypeError);
  // No schemas: no `stores` in the join.
  const bare = fakeServer();
  await joinedClient(t, bare, { stores: undefined });
  assert.equal('stores' in bare.joins[0], false);
});

test('changes arriving out of version order are applied in order; own writes at their version, untold', async (t) => {
  const server = fakeServer();
  const client = await joinedClient(t, server);
  const tasks = client.stores.tasks;
  server.commit('tasks', 'a', 'set', { title: 'A', done: false });
  assert.deepEqual(await tasks.sync(), { a: { title: 'A', done: false } });
  assert.equal(tasks.version, 1);
  const told = [];
  tasks.on('changed', (c) => told.push(c));

  const f2 = server.commit('tasks', 'b', 'set', { title: 'B', done: false });
  const f3 = server.commit('tasks', 'a', 'update', { done: true });
  const f4 = server.commit('tasks', 'b', 'delete');
  server.deliver(f4);
  server.deliver(f3);
  assert.deepEqual(told, [], 'nothing applied before version 2');
  assert.deepEqual(tasks.getAll(), { a: { title: 'A', done: false } });
  server.deliver(f2);
  assert.deepEqual(told.map((c) => [c.key, c.action]), [['b', 'set'], ['a', 'update'], ['b', 'delete']]);
  assert.deepEqual(told[1], { key: 'a', action: 'update', value: { title: 'A', done: true } });
  assert.equal(tasks.version, 4);
  assert.deepEqual(tasks.getAll(), entries(server, 'tasks'));
  server.deliver(f3); // a duplicate: ignored
  assert.equal(told.length, 3);

  // Our own write: applied at its version, not told as a change.
  const stored = await tasks.set({ key: 'c', value: { title: 'C' } });
  assert.deepEqual(stored, { title: 'C', done: false });
  assert.equal(tasks.version, 5);
  assert.deepEqual(tasks.getAll().c, { title: 'C', done: false });
  assert.equal(told.length, 3);
  assert.equal(syncs(server).length, 1, 'no gap, no sync beyond the first');
  // getAll of a synced store is a plain object, and a promise of it works with await.
  assert.deepEqual(await tasks.getAll(), entries(server, 'tasks'));
});

test('a gap left open is filled by stores.sync since the version held', async (t) => {
  const server = fakeServer();
  const client = await joinedClient(t, server);
  const tasks = client.stores.tasks;
  await tasks.sync();
  const told = [];
  tasks.on('changed', (c) => told.push(`${c.key}:${c.action}`));
  const f1 = server.commit('tasks', 'a', 'set', { title: 'A', done: false });
  server.commit('tasks', 'b', 'set', { title: 'B', done: false }); // never delivered
  const f3 = server.commit('tasks', 'c', 'set', { title: 'C', done: false });
  server.deliver(f1);
  server.deliver(f3);
  assert.equal(tasks.version, 1);
  await until(() => tasks.version === 3, 'the gap filled');
  const last = syncs(server).at(-1);
  assert.equal(last.params.since, 1);
  assert.deepEqual(tasks.getAll(), entries(server, 'tasks'));
  assert.deepEqual(told, ['a:set', 'b:set', 'c:set']);
});

test('an own write answered only in a sync delta is not told as a change', async (t) => {
  const server = fakeServer();
  const client = await joinedClient(t, server);
  const tasks = client.stores.tasks;
  await tasks.sync();
  const told = [];
  tasks.on('changed', (c) => told.push(`${c.key}:${c.action}`));
  server.commit('tasks', 'x', 'set', { title: 'X', done: false }); // v1, never delivered
  await tasks.set({ key: 'mine', value: { title: 'M' } }); // v2: buffered behind the gap
  assert.equal(tasks.version, 0);
  await until(() => tasks.version === 2, 'the gap filled');
  assert.deepEqual(told, ['x:set']);
  assert.deepEqual(tasks.getAll(), entries(server, 'tasks'));
});

test('a write whose answer was lost in a drop is asked again after the welcome and resolves once; offline writes wait', async (t) => {
  const server = fakeServer();
  const client = await joinedClient(t, server);
  const tasks = client.stores.tasks;
  await tasks.sync();
  server.hold = true;
  let settled = 0;
  const lost = tasks.set({ key: 'k', value: { title: 'one' } }).finally(() => settled++);
  await until(() => server.held.length === 1, 'the write taken');
  server.hold = false;
  server.sockets.at(-1).drop(1006);
  assert.equal(client.joined, false);
  // Offline: a write waits for the join (bounded), it is not refused.
  const offline = tasks.update({ key: 'k', value: { done: true } });
  const deleted = tasks.delete({ key: 'nothing' });
  await lost;
  await offline;
  await deleted;
  assert.equal(settled, 1);
  const sets = server.sent.filter((f) => f.method === 'stores.set');
  assert.equal(sets.length, 2, 'asked once more on the new socket');
  assert.equal(sets[0].id, sets[1].id, 'the same request');
  const afterWelcome = server.sent.slice(server.sent.findLastIndex((f) => f.type === 'join'));
  assert.deepEqual(afterWelcome.filter((f) => f.type === 'request' && f.method.startsWith('stores.')).map((f) => f.method), ['stores.set', 'stores.update', 'stores.delete', 'stores.sync']);
  await until(() => tasks.version === server.stores.get('tasks').version, 'caught up');
  assert.deepEqual(tasks.getAll(), { k: { title: 'one', done: true } });
  assert.deepEqual(tasks.getAll(), entries(server, 'tasks'));
});

test('writes while offline are bounded by maxQueued (queue_full)', async (t) => {
  const server = fakeServer();
  const client = await joinedClient(t, server, { maxQueued: 2 });
  server.sockets.at(-1).drop(1006);
  const a = client.stores.notes.set({ key: 'a', value: {} });
  const b = client.stores.notes.set({ key: 'b', value: {} });
  await assert.rejects(client.stores.notes.set({ key: 'c', value: {} }), { code: 'queue_full' });
  await Promise.all([a, b]);
  assert.deepEqual(entries(server, 'notes'), { a: { done: false }, b: { done: false } });
});

test('refused early: not joined, invalid values and keys, with the server’s codes; nothing sent', async (t) => {
  const server = fakeServer();
  const client = new CollabKitClient({ serverUrl: 'http://fake', authToken: 'tok', WebSocket: server.WebSocket, stores: schemas, heartbeatMs: 0 });
  t.after(() => client.disconnect());
  await assert.rejects(client.stores.tasks.set({ key: 'a', value: { title: 'x' } }), { code: 'not_joined' });
  await client.connect();
  await assert.rejects(client.stores.tasks.set({ key: 'a', value: { title: 'x' } }), (e) => e instanceof CollabKitError && e.code === 'not_joined');
  await assert.rejects(client.stores.tasks.sync(), { code: 'not_joined' });
  await client.join();
  const before = server.sent.length;
  await assert.rejects(client.stores.tasks.set({ key: 'a', value: {} }), { code: 'invalid_value', message: /field "title" is required/ });
  await assert.rejects(client.stores.tasks.set({ key: 'a', value: { title: 1 } }), { code: 'invalid_value', message: /is a string, not a number/ });
  await assert.rejects(client.stores.tasks.update({ key: 'a', value: { nope: 1 } }), { code: 'invalid_value' });
  await assert.rejects(client.stores.tasks.set({ key: '', value: { title: 'x' } }), { code: 'invalid_key' });
  await assert.rejects(client.stores.tasks.delete({ key: 'a\nb' }), { code: 'invalid_key' });
  assert.equal(server.sent.length, before, 'nothing sent');
  // The server's refusal carries its code.
  await assert.rejects(client.stores.tasks.update({ key: 'missing', value: { done: true } }), { code: 'entry_not_found' });
});

test("an unsynced store tells others' changes as they come; the unsubscribe works", async (t) => {
  const server = fakeServer();
  const client = await joinedClient(t, server);
  const told = [];
  const off = client.stores.notes.on('changed', (c) => told.push(c));
  server.deliver(server.commit('notes', 'n', 'set', { text: 'hi' }));
  assert.deepEqual(told, [{ key: 'n', action: 'set', value: { text: 'hi' } }]);
  off();
  server.deliver(server.commit('notes', 'n', 'delete'));
  assert.equal(told.length, 1);
  // Not synced: getAll and get ask the server.
  const all = client.stores.notes.getAll();
  assert.ok(all instanceof Promise);
  assert.deepEqual(await all, {});
  assert.equal(await client.stores.notes.get({ key: 'n' }), null);
});
