// The SDK in real Chromium (playwright-core driving Debian's chromium, as the dashboard's
// browser tests do): a page served by the test with node:http loads dist/ as ES modules; two
// browser contexts join one room, see each other join, each other's presence with its colour,
// a broadcast targeted at one (a third context does not get it), and null when the other leaves.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { chromium as playwright } from 'playwright-core';
import { packageDir, roomWithUsers, startServer, until } from './support.mjs';

/**
 * `CHROMIUM`, else Debian's /usr/bin/chromium, installed with apt-get (through sudo when not
 * root) when it is missing, as the dashboard's browser tests do.
 */
function chromiumPath() {
  if (process.env.CHROMIUM) {
    assert.ok(existsSync(process.env.CHROMIUM), `CHROMIUM names no file: ${process.env.CHROMIUM}`);
    return process.env.CHROMIUM;
  }
  const bin = '/usr/bin/chromium';
  if (existsSync(bin)) return bin;
  const root = process.getuid?.() === 0;
  const apt = (...args) => {
    const [cmd, argv] = root ? ['apt-get', args] : ['sudo', ['apt-get', ...args]];
    const run = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return run.status === 0 ? null : `apt-get ${args.join(' ')}: ${run.error?.message ?? run.stderr.trim()}`;
  };
  console.log("installing Debian's chromium for the browser test");
  // Waits for the dpkg lock (the dashboard's browser tests may be installing it at the same time).
  const install = ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', 'chromium'];
  const error = apt(...install) && (apt('update') ?? apt(...install));
  assert.ok(existsSync(bin), `the browser test needs Chromium at ${bin}; installing it failed (${error}): apt-get install chromium, or set CHROMIUM`);
  return bin;
}

/** A page and the built SDK on an ephemeral port of loopback. */
async function servePage(t) {
  const page = `<!doctype html><meta charset="utf-8"><title>CollabKit SDK</title>
<script type="module">
  import CollabKitClient from '/dist/index.js';
  window.CollabKitClient = CollabKitClient;
  window.ready = true;
</script>`;
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      return;
    }
    const file = path.join(packageDir, path.normalize(url.pathname));
    if (url.pathname.startsWith('/dist/') && file.startsWith(path.join(packageDir, 'dist')) && existsSync(file)) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(r)));
  return `http://127.0.0.1:${srv.address().port}/`;
}

/** A browser context with the SDK loaded and a client joined; its events land in `window.log`. */
async function joinIn(browser, pageUrl, serverUrl, token) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(
    async ([serverUrl, token]) => {
      window.log = { joined: [], left: [], presence: [] };
      const client = new window.CollabKitClient({ serverUrl, authToken: token });
      window.client = client;
      client.users.on('userJoined', (u) => window.log.joined.push(u.id));
      client.users.on('userLeft', (u) => window.log.left.push(u.id));
      client.presence.sync('*', (e) => window.log.presence.push(e));
      await client.connect();
      await client.join();
    },
    [serverUrl, token],
  );
  return { context, page, log: () => page.evaluate(() => window.log), userId: () => page.evaluate(() => window.client.userId) };
}

test('two Chromium contexts: each other joining, presence with a colour, null on leave', async (t) => {
  const executablePath = chromiumPath();
  const server = await startServer(t);
  const pageUrl = await servePage(t);
  const { users } = await roomWithUsers(server, 'Ann', 'Bob', 'Cy');
  const browser = await playwright.launch({ executablePath, args: ['--no-sandbox'] });
  t.after(() => browser.close());

  const ann = await joinIn(browser, pageUrl, server.base, users[0].token);
  const bob = await joinIn(browser, pageUrl, server.base, users[1].token);
  const [annId, bobId] = [users[0].user.id, users[1].user.id];
  assert.equal(await ann.userId(), annId);
  await until(async () => (await ann.log()).joined.includes(bobId), "Bob's join in Ann's page");
  assert.deepEqual(await bob.page.evaluate(() => [...window.client.users.online.keys()].sort()), [annId, bobId].sort());

  await bob.page.evaluate(() => window.client.presence.update({ cursor: { x: 10, y: 20 } }));
  const seen = await until(async () => (await ann.log()).presence.find((e) => e.userId === bobId && e.state?.cursor?.x === 10), "Bob's cursor in Ann's page");
  assert.match(seen.state.color, /^#[0-9a-f]{6}$/i);
  assert.equal(seen.state.color, await bob.page.evaluate(() => window.client.currentUser.color));
  await ann.page.evaluate(() => window.client.presence.update({ cursor: { x: 1, y: 2 } }));
  await until(async () => (await bob.log()).presence.some((e) => e.userId === annId && e.state?.cursor?.x === 1), "Ann's cursor in Bob's page");

  // A broadcast to Bob only: a third context, Cy's, never gets it.
  const cy = await joinIn(browser, pageUrl, server.base, users[2].token);
  for (const c of [bob, cy]) await c.page.evaluate(() => window.client.notifications.on('ping', (data, meta) => (window.pings ??= []).push({ data, from: meta.userId })));
  await ann.page.evaluate((to) => window.client.notifications.broadcast('ping', { n: 1 }, [to]), bobId);
  await ann.page.evaluate(() => window.client.notifications.broadcast('ping', { n: 2 }));
  await until(async () => (await cy.page.evaluate(() => window.pings?.length)) === 1, 'the broadcast to everyone at Cy');
  await until(async () => (await bob.page.evaluate(() => window.pings?.length)) === 2, 'both broadcasts at Bob');
  assert.deepEqual(await bob.page.evaluate(() => window.pings), [
    { data: { n: 1 }, from: annId },
    { data: { n: 2 }, from: annId },
  ]);
  assert.deepEqual(await cy.page.evaluate(() => window.pings), [{ data: { n: 2 }, from: annId }], 'Cy never got the one to Bob');
  await cy.context.close();

  // Bob's tab goes away (disconnect on unload, as an app does): Ann gets null and userLeft.
  await bob.page.evaluate(() => window.client.disconnect());
  await bob.context.close();
  await until(async () => {
    const log = await ann.log();
    return log.left.includes(bobId) && log.presence.some((e) => e.userId === bobId && e.state === null);
  }, "Bob's leave in Ann's page");
  assert.equal(await ann.page.evaluate((id) => window.client.presence.getStates().has(id), bobId), false);
  assert.deepEqual((await ann.log()).joined, [bobId, users[2].user.id], 'one userJoined each');
  await ann.context.close();
});

/** A context whose client declares a list store and syncs it; its changes land in `window.changes`. */
async function listIn(browser, pageUrl, serverUrl, token) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(
    async ([serverUrl, token]) => {
      const { defineStores } = await import('/dist/index.js');
      const stores = defineStores({ list: { text: { type: 'string', required: true }, done: { type: 'boolean', default: false }, order: { type: 'number', default: 0 } } });
      const client = new window.CollabKitClient({ serverUrl, authToken: token, stores });
      window.client = client;
      window.changes = [];
      client.stores.list.on('changed', (c) => window.changes.push(c));
      await client.connect();
      await client.join();
      await client.stores.list.sync();
    },
    [serverUrl, token],
  );
  const list = () => page.evaluate(() => window.client.stores.list.getAll());
  return { context, page, list, changes: () => page.evaluate(() => window.changes) };
}

test('two Chromium contexts editing one list store see each other’s changes', async (t) => {
  const executablePath = chromiumPath();
  const server = await startServer(t);
  const pageUrl = await servePage(t);
  const { users } = await roomWithUsers(server, 'Ann', 'Bob');
  const browser = await playwright.launch({ executablePath, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const ann = await listIn(browser, pageUrl, server.base, users[0].token);
  const bob = await listIn(browser, pageUrl, server.base, users[1].token);

  await ann.page.evaluate(async () => {
    const list = window.client.stores.list;
    await list.set({ key: 'milk', value: { text: 'Milk', order: 1 } });
    await list.set({ key: 'eggs', value: { text: 'Eggs', order: 2 } });
  });
  await until(async () => Object.keys(await bob.list()).length === 2, "Ann's items in Bob's tab");
  assert.deepEqual(await bob.list(), { milk: { text: 'Milk', done: false, order: 1 }, eggs: { text: 'Eggs', done: false, order: 2 } });

  await bob.page.evaluate(async () => {
    const list = window.client.stores.list;
    await list.update({ key: 'milk', value: { done: true } });
    await list.delete({ key: 'eggs' });
    await list.set({ key: 'bread', value: { text: 'Bread', order: 3 } });
  });
  await until(async () => JSON.stringify(await ann.list()) === JSON.stringify(await bob.list()), 'both tabs agree');
  assert.deepEqual(await ann.list(), { milk: { text: 'Milk', done: true, order: 1 }, bread: { text: 'Bread', done: false, order: 3 } });
  assert.deepEqual(
    (await ann.changes()).map((c) => `${c.action} ${c.key}`),
    ['update milk', 'delete eggs', 'set bread'],
    "Ann is told Bob's changes, not her own",
  );
  assert.deepEqual((await bob.changes()).map((c) => `${c.action} ${c.key}`), ['set milk', 'set eggs']);
  // A refused write rejects in the page with the server's code.
  const code = await bob.page.evaluate(() => window.client.stores.list.update({ key: 'nope', value: { done: true } }).catch((e) => e.code));
  assert.equal(code, 'entry_not_found');
  await ann.context.close();
  await bob.context.close();
});
