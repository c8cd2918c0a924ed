// Reconnecting without a server: a fake WebSocket that authenticates once, then refuses every
// connection, shows the schedule (first attempt at once, then full-jitter exponential backoff,
// capped) and what each close code leads to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import CollabKitClient from '../dist/index.js';

/** A WebSocket double: `accept` decides whether a new socket authenticates or fails. */
function fakeServer() {
  const server = { sockets: [], opened: [], accept: true };
  server.WebSocket = class {
    readyState = 0;
    onopen = null;
    onmessage = null;
    onclose = null;
    onerror = null;
    constructor(url) {
      this.url = url;
      server.sockets.push(this);
      server.opened.push(Date.now());
      const accept = server.accept;
      setTimeout(() => {
        if (!accept) return this.drop(1006);
        this.readyState = 1;
        this.onopen?.({});
      }, 1);
    }
    send(data) {
      const f = JSON.parse(data);
      const reply = (frame) => setTimeout(() => this.onmessage?.({ data: JSON.stringify(frame) }), 1);
      const user = { id: 'usr_a', room_id: 'room_1', name: 'Ann', profile_picture: null, custom_id: null, status: 'offline', created_at: 'x', joined_at: null, left_at: null, color: '#e5484d' };
      if (f.type === 'auth') reply({ type: 'authenticated', protocol: 2, user, room: { id: 'room_1' } });
      if (f.type === 'join') reply({ type: 'welcome', id: f.id, resumed: false, room: { id: 'room_1' }, user: { ...user, status: 'online' }, color: '#e5484d', participants: [], follows: [] });
      if (f.type === 'request') reply({ type: 'response', id: f.id, data: { users: [user] } });
    }
    close() {
      this.readyState = 3;
    }
    drop(code, reason = '') {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }
  };
  return server;
}

function events(client) {
  const log = [];
  for (const e of ['connected', 'disconnected', 'reconnecting', 'reconnected', 'failed', 'authFailed']) {
    client.socket.on(e, (i) => log.push({ e, at: Date.now(), attempt: i?.attempt, code: i?.code }));
  }
  return log;
}

async function until(check, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('the first attempt is immediate, then each waits random(0, min(max, initial·2ⁿ⁻¹)), then failed', async (t) => {
  const random = Math.random;
  t.after(() => (Math.random = random));
  for (const [r, name] of [
    [0.999, 'at the ceiling'],
    [0, 'at zero (full jitter)'],
  ]) {
    Math.random = () => r;
    const server = fakeServer();
    const client = new CollabKitClient({
      serverUrl: 'https://collab.example.com/',
      authToken: 't',
      WebSocket: server.WebSocket,
      reconnect: { maxAttempts: 5, initialDelayMs: 60, maxDelayMs: 200 },
    });
    const log = events(client);
    await client.connect();
    await client.join();
    assert.equal(server.sockets[0].url, 'wss://collab.example.com/v1/connect?v=2', 'no token in the URL');
    server.accept = false;
    const droppedAt = Date.now();
    server.sockets[0].drop(1006);
    await until(() => log.some((l) => l.e === 'failed'));
    const attempts = log.filter((l) => l.e === 'reconnecting');
    assert.deepEqual(attempts.map((a) => a.attempt), [1, 2, 3, 4, 5], name);
    const waits = attempts.map((a, i) => a.at - (i === 0 ? droppedAt : server.opened[i]));
    const ceilings = [0, 120, 200, 200, 200];
    waits.forEach((w, i) => {
      const expected = ceilings[i] * r;
      assert.ok(w >= expected - 5 && w <= expected + 150, `${name}: attempt ${i + 1} waited ${w} ms, expected ~${expected}: ${waits}`);
    });
    assert.deepEqual(log.map((l) => l.e), ['connected', 'disconnected', ...attempts.map(() => 'reconnecting'), 'failed']);
    client.disconnect();
  }
});

test('close codes: 1000 and 4001 stay closed, 1001/1009/4008 reconnect, 4029 waits before the first attempt', async () => {
  for (const [code, reconnects] of [
    [1000, false],
    [4001, false],
    [1001, true],
    [1009, true],
    [4008, true],
    [4029, true],
  ]) {
    const server = fakeServer();
    const client = new CollabKitClient({
      serverUrl: 'http://localhost:1',
      authToken: 't',
      WebSocket: server.WebSocket,
      reconnect: { initialDelayMs: 100, maxDelayMs: 100 },
    });
    const log = events(client);
    await client.connect();
    await client.join();
    const before = Math.random;
    Math.random = () => 0.999;
    const at = Date.now();
    server.sockets[0].drop(code, 'bye');
    Math.random = before;
    if (reconnects) {
      await until(() => log.some((l) => l.e === 'reconnected'));
      const first = log.find((l) => l.e === 'reconnecting');
      if (code === 4029) assert.ok(first.at - at >= 80, `4029 waits: ${first.at - at} ms`);
      else assert.ok(first.at - at < 50, `${code}: the first attempt at once`);
      assert.ok(client.joined, `${code}: joined again`);
    } else {
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(log.map((l) => l.e), ['connected', 'disconnected'], `${code}`);
      assert.equal(log[1].code, code);
      assert.equal(client.connected, false);
    }
    client.disconnect();
  }
});

test('a join() waiting when the socket drops is answered by the welcome after the reconnect', async () => {
  const server = fakeServer();
  const client = new CollabKitClient({ serverUrl: 'http://localhost:1', authToken: 't', WebSocket: server.WebSocket, reconnect: { initialDelayMs: 10 } });
  await client.connect();
  const socket = server.sockets[0];
  const send = socket.send.bind(socket);
  // The first join frame is lost with its socket.
  socket.send = (d) => (JSON.parse(d).type === 'join' ? setTimeout(() => socket.drop(1006), 1) : send(d));
  await client.join();
  assert.ok(client.joined);
  assert.equal(server.sockets.length, 2);
  client.disconnect();
});
