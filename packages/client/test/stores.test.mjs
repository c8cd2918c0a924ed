// Stores against the real binary: convergence of synced clients under concurrent writes, REST
// writes and network cuts (SQLite, and two PostgreSQL nodes), durability of acknowledged writes
// across a SIGKILL, the errors, and 'changed' for the others' changes only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { CollabKitError, defineStores } from '../dist/index.js';
import { api, joined, newClient, record, roomWithUsers, sleep, startServer, tcpProxy, twoPostgresNodes, until } from './support.mjs';

const schemas = defineStores({
  items: { n: { type: 'number', required: true }, by: { type: 'string', default: '' }, flag: { type: 'boolean' } },
  tasks: { title: { type: 'string', required: true }, completed: { type: 'boolean', default: false } },
});

/** A REST call that may fail: `{ status, data, error }`. */
async function rest(server, method, route, body) {
  const auth = `Bearer ${Buffer.from(`${server.accountId}:${server.apiKey}`).toString('base64')}`;
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${server.base}/v1/accounts/${server.accountId}${route}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if ((res.status === 429 || res.status === 503) && tries < 10) {
      await res.arrayBuffer();
      await sleep(200);
      continue;
    }
    const json = res.status === 204 ? null : await res.json();
    return { status: res.status, data: json?.data ?? null, error: json?.error ?? null };
  }
}

/** Every entry of a store, by key, read through REST (all pages). */
async function restEntries(server, roomId, store) {
  const out = {};
  let cursor = null;
  for (;;) {
    const q = new URLSearchParams({ limit: '100' });
    if (cursor) q.set('cursor', cursor);
    const { status, data } = await rest(server, 'GET', `/rooms/${roomId}/stores/${store}?${q}`);
    if (status === 404) return out; // no such store yet
    assert.equal(status, 200, `GET stores/${store}`);
    for (const e of data.entries) out[e.key] = e.value;
    cursor = data.next_cursor;
    if (!cursor) return out;
  }
}

/** The store's version, through REST (0 when it does not exist yet). */
async function restVersion(server, roomId, store) {
  const data = await api(server, 'GET', `/rooms/${roomId}/stores`);
  return data.stores.find((s) => s.name === store)?.version ?? 0;
}

/** A seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXPECTED = new Set(['entry_not_found']);

/**
 * N synced clients (each behind a TCP proxy of its own, to `nodes` in turn) and a REST writer
 * (to `nodes` in turn) write at random to 20 keys for `ms`; two clients are cut mid-way and
 * come back. Then every client's getAll equals the REST read, at the store's version.
 */
async function convergence(t, nodes, { clients: count = 5, ms = 2000 } = {}) {
  const seed = Number(process.env.STORES_SEED ?? Date.now() % 1e9);
  t.diagnostic(`seed ${seed} (STORES_SEED=${seed} fixes the random choices)`);
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const names = Array.from({ length: count }, (_, i) => `U${i}`);
  const { room, users } = await roomWithUsers(nodes[0], ...names);
  const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
  const proxies = [];
  const clients = [];
  for (let i = 0; i < count; i++) {
    const node = nodes[i % nodes.length];
    const proxy = await tcpProxy(t, node.port);
    proxies.push(proxy);
    const client = await joined(t, { base: proxy.base }, users[i].token, { stores: schemas });
    await client.stores.items.sync();
    clients.push(client);
  }
  const end = Date.now() + ms;
  const counts = { writes: 0, refused: 0, rest: 0 };
  const unexpected = [];
  const writer = async (client, i) => {
    const items = client.stores.items;
    for (let n = 0; Date.now() < end && n < 500; n++) {
      const key = pick(keys);
      const r = random();
      try {
        if (r < 0.45) await items.set({ key, value: { n, by: `c${i}` } });
        else if (r < 0.8) await items.update({ key, value: random() < 0.5 ? { n } : { flag: random() < 0.5, by: null } });
        else await items.delete({ key });
        counts.writes++;
      } catch (e) {
        if (e instanceof CollabKitError && EXPECTED.has(e.code)) counts.refused++;
        else unexpected.push(`${client.userId}: ${e.code ?? ''} ${e.message}`);
      }
    }
  };
  const restWriter = async () => {
    for (let n = 0; Date.now() < end && n < 500; n++) {
      const node = nodes[n % nodes.length];
      const key = pick(keys);
      const route = `/rooms/${room.id}/stores/items/entries/${key}`;
      const r = random();
      const res =
        r < 0.4
          ? await rest(node, 'PUT', route, { value: { n: -n, by: 'rest' } })
          : r < 0.8
            ? await rest(node, 'PATCH', route, { value: { n: -n } })
            : await rest(node, 'DELETE', route);
      if (res.status === 404) counts.refused++;
      else if (res.status >= 300) unexpected.push(`REST ${res.status} ${JSON.stringify(res.error)}`);
      else counts.rest++;
    }
  };
  const cut = [1, 3 % count];
  const back = cut.map((i) => record(clients[i].socket, 'reconnected'));
  const cuts = (async () => {
    await sleep(ms / 3);
    for (const i of cut) proxies[i].cut();
    await sleep(300);
    for (const i of cut) proxies[i].restore();
  })();
  await Promise.all([...clients.map(writer), restWriter(), cuts]);
  t.diagnostic(`${counts.writes} SDK writes, ${counts.rest} REST writes, ${counts.refused} refused as expected`);
  assert.deepEqual(unexpected, [], 'no unexpected error');
  await until(() => back.every((r) => r.length >= 1), 'the clients cut reconnected');
  assert.ok(counts.writes > 50 && counts.rest > 10, `enough writes: ${JSON.stringify(counts)}`);

  let truth;
  let version;
  await until(
    async () => {
      truth = await restEntries(nodes[0], room.id, 'items');
      version = await restVersion(nodes[0], room.id, 'items');
      return clients.every((c) => c.stores.items.version === version && JSON.stringify(sorted(c.stores.items.getAll())) === JSON.stringify(sorted(truth)));
    },
    'every client converged on the REST read',
    15_000,
  ).catch((e) => {
    for (const c of clients) {
      t.diagnostic(`${c.userId} at ${c.stores.items.version} (store ${version}): ${JSON.stringify(sorted(c.stores.items.getAll()))}`);
    }
    t.diagnostic(`REST: ${JSON.stringify(sorted(truth))}`);
    throw e;
  });
  for (const c of clients) assert.deepEqual(c.stores.items.getAll(), truth);
  // And a read on the other node agrees.
  assert.deepEqual(await restEntries(nodes.at(-1), room.id, 'items'), truth);
}

const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));

test('convergence on SQLite: 5 synced clients, REST writes and cuts, every getAll equals the REST read', async (t) => {
  const server = await startServer(t);
  await convergence(t, [server]);
});

test('convergence on two PostgreSQL nodes: clients on both, REST on both, cuts', async (t) => {
  const nodes = await twoPostgresNodes(t);
  await convergence(t, nodes);
});

test('SIGKILL right after acknowledged writes: every one is there after the restart', async (t) => {
  const server = await startServer(t);
  const { room, users } = await roomWithUsers(server, 'Ann', 'Bob');
  const ann = await joined(t, server, users[0].token, { stores: schemas });
  const tasks = ann.stores.tasks;
  await tasks.sync();
  const expected = {};
  for (let i = 0; i < 40; i++) {
    const key = `t${i % 25}`;
    if (i % 7 === 6 && expected[key]) {
      await tasks.delete({ key });
      delete expected[key];
    } else if (i % 5 === 4 && expected[key]) {
      expected[key] = await tasks.update({ key, value: { completed: true } });
    } else {
      expected[key] = await tasks.set({ key, value: { title: `task ${i}` } });
    }
  }
  // A burst sent without waiting between them, each awaited before the kill.
  const burst = [];
  for (let i = 0; i < 20; i++) burst.push(tasks.set({ key: `b${i}`, value: { title: `burst ${i}`, completed: i % 2 === 0 } }));
  for (const [i, v] of (await Promise.all(burst)).entries()) expected[`b${i}`] = v;
  assert.deepEqual(tasks.getAll(), expected, 'the synced state holds the acknowledged writes');
  await server.stop('SIGKILL');
  await server.restart();

  assert.deepEqual(await restEntries(server, room.id, 'tasks'), expected, 'REST after the restart');
  const bob = await joined(t, server, users[1].token, { stores: schemas });
  assert.deepEqual(await bob.stores.tasks.sync(), expected, "a fresh client's sync");
  assert.deepEqual(bob.stores.tasks.getAll(), expected);
  // Ann's client comes back by itself and is still in step.
  await until(() => ann.joined, 'Ann back');
  await ann.stores.tasks.set({ key: 'after', value: { title: 'after the crash' } });
  await until(() => bob.stores.tasks.getAll().after?.title === 'after the crash', 'the write after the crash at Bob');
  assert.deepEqual(ann.stores.tasks.getAll(), bob.stores.tasks.getAll());
});

/** A raw protocol-2 socket: `send(frame)`, `next(pred)` for the next matching frame. */
async function rawSocket(t, server, token) {
  const ws = new WebSocket(`${server.base.replace(/^http/, 'ws')}/v1/connect?v=2`);
  t.after(() => ws.close());
  const frames = [];
  const waiters = [];
  ws.on('message', (d) => {
    const f = JSON.parse(String(d));
    frames.push(f);
    for (const w of [...waiters]) if (w.pred(f)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(f));
  });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const next = (pred) => {
    const f = frames.find(pred);
    if (f) return (frames.splice(frames.indexOf(f), 1), Promise.resolve(f));
    return new Promise((resolve, reject) => {
      waiters.push({ pred, resolve });
      setTimeout(() => reject(new Error('no such frame within 5 s')), 5000).unref();
    });
  };
  const send = (f) => ws.send(JSON.stringify(f));
  send({ type: 'auth', token });
  await next((f) => f.type === 'authenticated');
  /** A request's answer: `{ data }` or `{ error }`. */
  const request = async (id, method, params) => {
    send({ type: 'request', id, method, params });
    const f = await next((f) => (f.type === 'response' || f.type === 'error') && f.id === id);
    return f.type === 'error' ? { error: { code: f.code, message: f.message } } : f;
  };
  return { send, next, request };
}

test('errors: invalid values, a missing entry, writes before the join; nothing changes', async (t) => {
  const server = await startServer(t);
  const { room, users } = await roomWithUsers(server, 'Ann', 'Bob');
  const route = `/rooms/${room.id}/stores/tasks/entries`;

  // Before the join: refused by the SDK with the server's code, and by the server.
  const early = newClient(t, server, users[0].token, { stores: schemas });
  await assert.rejects(early.stores.tasks.set({ key: 'a', value: { title: 'x' } }), { code: 'not_joined' });
  await early.connect();
  await assert.rejects(early.stores.tasks.set({ key: 'a', value: { title: 'x' } }), (e) => e instanceof CollabKitError && e.code === 'not_joined');
  await assert.rejects(early.stores.tasks.delete({ key: 'a' }), { code: 'not_joined' });
  assert.deepEqual(await early.stores.tasks.getAll(), {}, 'reads need no join');
  const raw = await rawSocket(t, server, users[1].token);
  assert.equal((await raw.request(1, 'stores.set', { store: 'tasks', key: 'a', value: { title: 'x' } })).error?.code, 'not_joined');
  assert.equal((await rest(server, 'GET', `${route}/a`)).status, 404);

  // Invalid values: the SDK refuses them early, with the code the server gives them.
  const ann = early;
  await ann.join();
  await ann.stores.tasks.set({ key: 'a', value: { title: 'kept' } });
  await assert.rejects(ann.stores.tasks.set({ key: 'a', value: {} }), { code: 'invalid_value', message: /"title" is required/ });
  await assert.rejects(ann.stores.tasks.set({ key: 'a', value: { title: 7 } }), { code: 'invalid_value' });
  await assert.rejects(ann.stores.tasks.update({ key: 'a', value: { completed: 'yes' } }), { code: 'invalid_value' });
  await assert.rejects(ann.stores.tasks.update({ key: 'a', value: { title: null } }), { code: 'invalid_value' });
  // The server refuses the same (a raw socket that declared the schema and skips the SDK's checks).
  raw.send({ type: 'join', id: 2, stores: schemas });
  await raw.next((f) => f.type === 'welcome' && f.id === 2);
  for (const [id, value] of [
    [3, {}],
    [4, { title: 7 }],
    [5, { title: 'x', extra: 1 }],
  ]) {
    assert.equal((await raw.request(id, 'stores.set', { store: 'tasks', key: 'a', value })).error?.code, 'invalid_value', JSON.stringify(value));
  }
  assert.equal((await raw.request(6, 'stores.update', { store: 'tasks', key: 'a', value: { completed: 'yes' } })).error?.code, 'invalid_value');
  const { data } = await rest(server, 'GET', `${route}/a`);
  assert.deepEqual(data.entry.value, { title: 'kept', completed: false }, 'nothing changed');

  // A missing entry.
  await assert.rejects(ann.stores.tasks.update({ key: 'missing', value: { completed: true } }), (e) => e instanceof CollabKitError && e.code === 'entry_not_found');
  assert.equal((await rest(server, 'GET', `${route}/missing`)).status, 404);
  assert.equal(await ann.stores.tasks.get({ key: 'missing' }), null);
  await ann.stores.tasks.delete({ key: 'missing' }); // deleting nothing is no error
  assert.deepEqual(await ann.stores.tasks.get({ key: 'a' }), { title: 'kept', completed: false });
});

test("'changed' fires for the others' changes only, with { key, action, value }; the unsubscribe works", async (t) => {
  const server = await startServer(t);
  const { room, users } = await roomWithUsers(server, 'Ann', 'Bob');
  const ann = await joined(t, server, users[0].token, { stores: schemas });
  const bob = await joined(t, server, users[1].token, { stores: schemas });
  await ann.stores.tasks.sync(); // synced at Ann; unsynced `items` at Ann too
  const tasksAtAnn = [];
  const itemsAtAnn = [];
  const offTasks = ann.stores.tasks.on('changed', (c) => tasksAtAnn.push(c));
  ann.stores.items.on('changed', (c) => itemsAtAnn.push(c));
  const atBob = [];
  bob.stores.tasks.on('changed', (c) => atBob.push(c));

  // Ann's own writes: nothing at Ann, each at Bob.
  await ann.stores.tasks.set({ key: 'a', value: { title: 'A' } });
  await ann.stores.tasks.update({ key: 'a', value: { completed: true } });
  await until(() => atBob.length === 2, "Ann's writes at Bob");
  assert.deepEqual(atBob, [
    { key: 'a', action: 'set', value: { title: 'A', completed: false } },
    { key: 'a', action: 'update', value: { title: 'A', completed: true } },
  ]);
  // Bob's, then a REST write: at Ann (after them, her own would have come first).
  await bob.stores.tasks.delete({ key: 'a' });
  await bob.stores.items.set({ key: 'i', value: { n: 1 } });
  await api(server, 'PUT', `/rooms/${room.id}/stores/tasks/entries/r`, { value: { title: 'from REST' } });
  await until(() => tasksAtAnn.length === 2 && itemsAtAnn.length === 1, "Bob's and REST's writes at Ann");
  assert.deepEqual(tasksAtAnn, [
    { key: 'a', action: 'delete', value: null },
    // REST writes are checked against the bounds only: no schema, no defaults.
    { key: 'r', action: 'set', value: { title: 'from REST' } },
  ]);
  assert.deepEqual(itemsAtAnn, [{ key: 'i', action: 'set', value: { n: 1, by: '' } }]);
  assert.equal(atBob.length, 3, "Bob is not told his own delete, but REST's set");
  assert.deepEqual(ann.stores.tasks.getAll(), { r: { title: 'from REST' } });

  offTasks();
  await bob.stores.tasks.set({ key: 'b', value: { title: 'B' } });
  await until(() => ann.stores.tasks.getAll().b, 'B applied at Ann');
  assert.equal(tasksAtAnn.length, 2, 'no call after the unsubscribe');
});
