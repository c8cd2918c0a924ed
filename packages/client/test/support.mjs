// What the tests share: the real server binary on a fresh database, the REST API as a backend
// calls it, SDK clients in Node, a TCP proxy the test controls, and waiting for things.
//
//   COLLABKIT_BIN                the server binary (default: the repository's target/release/collabkit)
//   COLLABKIT_TEST_POSTGRES_URL  the PostgreSQL the two-node test creates its databases on
//                                (default postgres://postgres@127.0.0.1:5432/postgres)
//   CHROMIUM                     the browser test's Chromium (default /usr/bin/chromium)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import CollabKitClient from '../dist/index.js';

export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = process.env.COLLABKIT_BIN
  ? path.resolve(process.env.COLLABKIT_BIN)
  : path.resolve(packageDir, '../../target/release/collabkit');
export const POSTGRES_URL = process.env.COLLABKIT_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const WAIT = 10_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A temporary directory, removed when the test ends. */
export function tempDir(t, prefix = 'collabkit-client-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port nobody listens on now (for a server that must come back on the same address). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `collabkit serve` of the real binary. `database` defaults to a fresh SQLite file in a temp
 * dir; `port` to an ephemeral one (the server prints the address it bound). Stopped when the
 * test ends. `restart()` starts it again on the same address and database.
 */
export async function startServer(t, { database, port = 0, args = [], dir } = {}) {
  assert.ok(
    spawnSync(BIN, ['--version']).status === 0,
    `no server binary at ${BIN}: build it (cargo build --release) or set COLLABKIT_BIN`,
  );
  dir ??= tempDir(t);
  database ??= `sqlite://${path.join(dir, 'collabkit.db')}`;
  const server = {
    database,
    args,
    dir,
    base: null,
    port,
    accountId: null,
    apiKey: null,
    child: null,
    log: path.join(dir, `server-${Math.random().toString(36).slice(2, 8)}.log`),
  };
  const launch = async () => {
    const child = spawn(BIN, ['serve', '--listen', `127.0.0.1:${server.port}`, '--database', database, ...args], {
      env: { ...process.env, COLLABKIT_LOG: process.env.COLLABKIT_LOG ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr.pipe(createWriteStream(server.log, { flags: 'a' }));
    server.child = child;
    let out = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server printed no address in 30 s:\n${out}\n${logOf(server)}`)), 30_000);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code ?? signal}) before listening:\n${out}\n${logOf(server)}`));
      });
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const id = out.match(/account_id:\s*(\S+)/);
        const key = out.match(/api_key:\s*(\S+)/);
        if (id && key) [server.accountId, server.apiKey] = [id[1], key[1]];
        const m = out.match(/CollabKit listening on (http:\/\/\S+)/);
        if (m) {
          clearTimeout(timer);
          server.base = m[1];
          server.port = Number(new URL(m[1]).port);
          child.removeAllListeners('exit');
          resolve();
        }
      });
    });
    child.stdout.resume();
  };
  server.restart = launch;
  /** Ends the process with `signal` and waits for its exit. */
  server.stop = async (signal = 'SIGTERM') => {
    const child = server.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  t.after(() => server.stop('SIGKILL'));
  await launch();
  return server;
}

export function logOf(server) {
  try {
    return readFileSync(server.log, 'utf8');
  } catch {
    return '';
  }
}

/** One REST call with the server's first account; the envelope's `data` (null for a 204). */
export async function api(server, method, route, body) {
  const auth = `Bearer ${Buffer.from(`${server.accountId}:${server.apiKey}`).toString('base64')}`;
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${server.base}/v1/accounts/${server.accountId}${route}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if ((res.status === 429 || res.status === 503) && tries < 10) {
      await res.arrayBuffer();
      await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
      continue;
    }
    const json = res.status === 204 ? null : await res.json();
    assert.ok(res.ok, `${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json?.data ?? null;
  }
}

/** A room and users in it: `{ room, users: [{ user, token }…] }`. */
export async function roomWithUsers(server, ...names) {
  const { room } = await api(server, 'POST', '/rooms', { name: `Room ${Math.random().toString(36).slice(2, 8)}` });
  const users = [];
  for (const name of names) {
    const { user, token } = await api(server, 'POST', '/users', { name, roomId: room.id });
    users.push({ user, token });
  }
  return { room, users };
}

/**
 * An SDK client in Node (the `ws` package as its WebSocket), with quick reconnects; it
 * disconnects when the test ends. `serverUrl` defaults to the server's.
 */
export function newClient(t, server, token, options = {}) {
  const client = new CollabKitClient({
    serverUrl: server.base,
    authToken: token,
    WebSocket,
    reconnect: { maxAttempts: 40, initialDelayMs: 50, maxDelayMs: 400 },
    ...options,
  });
  t.after(() => client.disconnect());
  return client;
}

/** `connect()` then `join()`. */
export async function joined(t, server, token, options) {
  const client = newClient(t, server, token, options);
  await client.connect();
  await client.join();
  return client;
}

/** Polls `check` until it returns something truthy (returned), or fails after `ms`. */
export async function until(check, what = 'the condition', ms = WAIT) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Records every call of an event: `on(emitter, event)` returns an array that fills up, for
 * `until(() => rec.length …)`.
 */
export function record(emitter, event, map = (...a) => a[0]) {
  const got = [];
  emitter.on(event, (...args) => got.push(map(...args)));
  return got;
}

/** The next `event` of `emitter` (rejects after `ms`). */
export function next(emitter, event, ms = WAIT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    emitter.once(event, (v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

/**
 * A TCP proxy to `targetPort` on loopback that the test controls: `cut()` resets every
 * connection and refuses new ones until `restore()`; `blackhole()` keeps connections open but
 * forwards nothing (a network that swallows packets); `base` is its http URL.
 */
export async function tcpProxy(t, targetPort) {
  const pairs = new Set();
  let mode = 'open';
  const srv = net.createServer((client) => {
    if (mode !== 'open') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, blackholed: false };
    pairs.add(pair);
    client.on('data', (d) => pair.blackholed || upstream.write(d));
    upstream.on('data', (d) => pair.blackholed || client.write(d));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const proxy = {
    port: srv.address().port,
    get base() {
      return `http://127.0.0.1:${srv.address().port}`;
    },
    get connections() {
      return pairs.size;
    },
    cut() {
      mode = 'cut';
      for (const p of pairs) {
        p.client.resetAndDestroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    blackhole() {
      mode = 'cut';
      for (const p of pairs) p.blackholed = true;
    },
    restore() {
      mode = 'open';
    },
    close: () =>
      new Promise((r) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        srv.close(() => r());
      }),
  };
  t.after(() => proxy.close());
  return proxy;
}

/** The room's stored events of `kind` (`participant.joined`…), from `GET /events?room_id=`. */
export async function roomEvents(server, roomId, kind) {
  const out = [];
  let cursor = null;
  for (;;) {
    const q = new URLSearchParams({ room_id: roomId, limit: '100' });
    if (kind) q.set('event', kind);
    if (cursor) q.set('cursor', cursor);
    const data = await api(server, 'GET', `/events?${q}`);
    out.push(...data.events);
    cursor = data.next_cursor;
    if (!cursor) return out;
  }
}

function psql(sql) {
  const run = spawnSync('psql', [POSTGRES_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { encoding: 'utf8' });
  if (run.error) throw new Error(`psql is needed for the PostgreSQL tests: ${run.error.message}`);
  assert.equal(run.status, 0, `psql ${sql}: ${run.stderr}`);
}

/**
 * A fresh database on the test PostgreSQL, its URL; when the test ends, the `servers` (pushed
 * by the test as it starts them) are killed and the database dropped (WITH (FORCE)).
 */
export function postgresDatabase(t, servers) {
  const name = `collabkit_client_${process.pid}_${randomBytes(4).toString('hex')}`;
  psql(`CREATE DATABASE ${name}`);
  t.after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Two nodes on one fresh PostgreSQL database (the same --database and --secret-key), sharing
 * the first node's account and API key.
 */
export async function twoPostgresNodes(t, args = []) {
  const servers = [];
  const database = postgresDatabase(t, servers);
  const all = ['--secret-key', randomBytes(32).toString('base64'), ...args];
  const one = await startServer(t, { database, args: all });
  servers.push(one);
  const two = await startServer(t, { database, args: all });
  servers.push(two);
  assert.ok(one.accountId, 'the first node created the first account');
  two.accountId = one.accountId;
  two.apiKey = one.apiKey;
  return [one, two];
}
