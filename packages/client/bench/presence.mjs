// The SDK's benchmark (run by `collabkit-bench --sdk`, or `node bench/presence.mjs` after
// `npm run build` and `cargo build --release`): presence fan-out p50/p99 in a 50-user room with
// SDK clients beside the raw protocol's, and 1,000 SDK clients in one process. Every client is
// in this process, so a receipt's latency is measured on one clock.
import WebSocket from 'ws';
import CollabKitClient from '../dist/index.js';
import { api, startServer } from '../test/support.mjs';

const ROOM_SIZE = Number(process.env.BENCH_ROOM_SIZE ?? 50);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 200);
const MANY = Number(process.env.BENCH_MANY ?? 1000);
const cleanups = [];
const t = { after: (f) => cleanups.push(f) };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

async function room(server, users) {
  const r = await api(server, 'POST', '/rooms', { name: `bench ${Math.random()}` });
  const created = [];
  for (let i = 0; i < users; i++) {
    created.push(await api(server, 'POST', '/users', { name: `u${i}`, roomId: r.room.id }));
  }
  return created.map((c) => c.user);
}

async function sdkClients(server, users) {
  const clients = users.map(
    (u) => new CollabKitClient({ serverUrl: server.base, authToken: u.token, WebSocket, reconnect: { maxAttempts: 0 } }),
  );
  const start = performance.now();
  await Promise.all(clients.map(async (c) => {
    await c.connect();
    await c.join();
  }));
  return { clients, joinMs: performance.now() - start };
}

/** One sender updates its presence `UPDATES` times; every receipt's latency, sorted (ms). */
async function sdkFanout(clients) {
  const [sender, ...others] = clients;
  const got = [];
  for (const c of others) {
    c.presence.sync(sender.userId, ({ state }) => {
      if (state && typeof state.t === 'number') got.push(performance.now() - state.t);
    });
  }
  for (let i = 0; i < UPDATES; i++) {
    sender.presence.update({ t: performance.now(), i });
    await sleep(60); // past the SDK's 50 ms throttle: every update is sent
  }
  await sleep(500);
  return got.sort((a, b) => a - b);
}

async function rawFanout(server, users) {
  const sockets = await Promise.all(users.map((u) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.base.replace('http', 'ws')}/v1/connect?v=2`);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: u.token })));
    ws.on('message', (data) => {
      const m = JSON.parse(data);
      if (m.type === 'authenticated') ws.send(JSON.stringify({ type: 'join', id: 1 }));
      if (m.type === 'welcome') resolve(ws);
    });
  })));
  const [sender, ...others] = sockets;
  const got = [];
  for (const ws of others) {
    ws.on('message', (data) => {
      const m = JSON.parse(data);
      if (m.type === 'presence' && m.presence && typeof m.presence.t === 'number') got.push(performance.now() - m.presence.t);
    });
  }
  for (let i = 0; i < UPDATES; i++) {
    sender.send(JSON.stringify({ type: 'presence', presence: { t: performance.now(), i } }));
    await sleep(60);
  }
  await sleep(500);
  for (const ws of sockets) ws.close();
  return got.sort((a, b) => a - b);
}

const fmt = (ms) => `${ms.toFixed(2)} ms`;
try {
  const server = await startServer(t, {
    args: ['--ws-max-per-account', String(MANY * 2 + ROOM_SIZE * 4), '--room-max-participants', '1000'],
  });
  const raw = await rawFanout(server, await room(server, ROOM_SIZE));
  const { clients } = await sdkClients(server, await room(server, ROOM_SIZE));
  const sdk = await sdkFanout(clients);
  for (const c of clients) c.disconnect();
  console.log(`presence fan-out, ${ROOM_SIZE}-user room, ${UPDATES} updates (${raw.length} and ${sdk.length} receipts):`);
  console.log(`  raw protocol  p50 ${fmt(pct(raw, 50))}  p99 ${fmt(pct(raw, 99))}`);
  console.log(`  SDK clients   p50 ${fmt(pct(sdk, 50))}  p99 ${fmt(pct(sdk, 99))}`);

  // 1,000 SDK clients in one process: rooms of ROOM_SIZE, every client joined.
  const users = [];
  for (let i = 0; i < MANY / ROOM_SIZE; i++) users.push(await room(server, ROOM_SIZE));
  const before = process.memoryUsage().rss;
  const many = [];
  let joinMs = 0;
  for (const group of users) {
    const joined = await sdkClients(server, group);
    many.push(joined.clients);
    joinMs += joined.joinMs;
  }
  const rss = (process.memoryUsage().rss - before) / many.flat().length / 1024;
  // One update in every room at once, measured at every other client.
  const got = [];
  for (const group of many) {
    const [sender, ...others] = group;
    for (const c of others) {
      c.presence.sync(sender.userId, ({ state }) => {
        if (state && typeof state.t === 'number') got.push(performance.now() - state.t);
      });
    }
  }
  for (let round = 0; round < 5; round++) {
    for (const group of many) group[0].presence.update({ t: performance.now(), round });
    await sleep(300);
  }
  got.sort((a, b) => a - b);
  console.log(`${many.flat().length} SDK clients in one process (${many.length} rooms of ${ROOM_SIZE}):`);
  console.log(`  joined in ${(joinMs / 1000).toFixed(2)} s (${Math.round(many.flat().length / (joinMs / 1000))} joins/s), ${rss.toFixed(0)} KiB RSS per client`);
  console.log(`  an update in every room at once: p50 ${fmt(pct(got, 50))}  p99 ${fmt(pct(got, 99))} (${got.length} receipts)`);
  for (const c of many.flat()) c.disconnect();
} finally {
  for (const f of cleanups.reverse()) await f();
}
