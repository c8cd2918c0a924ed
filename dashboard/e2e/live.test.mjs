// Many tabs and many live rooms: the dashboard reads the account's event stream once per
// browser, whatever the number of tabs, and a tab keeps to its request budget however many
// events arrive. Started by `tests/api/dashboard.rs` against a server of its own with a low
// account rate limit (COLLABKIT_ACCOUNT_RATE_LIMIT, requests a second, bursts of twice that).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { base, api, launch, signedIn, sockets, WAIT } from './support.mjs';

const RATE_LIMIT = Number(process.env.COLLABKIT_ACCOUNT_RATE_LIMIT);

let browser;
let users;

before(async () => {
  assert.ok(RATE_LIMIT > 0, 'COLLABKIT_ACCOUNT_RATE_LIMIT names the server’s rate limit');
  browser = await launch();
  users = await sockets(browser);
});

after(async () => {
  await browser?.close();
});

/// Polls `condition` until it holds, or fails with `what` after WAIT.
async function until(condition, what) {
  const deadline = Date.now() + WAIT;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out: ${what}`);
    await sleep(20);
  }
}

/// The event streams the pages of `context` hold open, seen from the browser: a request for
/// `/events/stream` is open until it finishes or fails, or its page is closed by the test.
function watchStreams(context) {
  const open = new Map();
  const watch = { max: 0, total: 0, open: () => open.size };
  context.on('request', (r) => {
    if (!new URL(r.url()).pathname.endsWith('/events/stream')) return;
    open.set(r, r.frame().page());
    watch.total += 1;
    watch.max = Math.max(watch.max, open.size);
  });
  const end = (r) => open.delete(r);
  context.on('requestfinished', end);
  context.on('requestfailed', end);
  /// The page reading the stream, forgotten as the test is about to close it.
  watch.takeLeader = () => {
    const [[request, page]] = open;
    open.delete(request);
    return page;
  };
  return watch;
}

async function room(name, customId, people) {
  const r = (await api('POST', '/rooms', { name, customId })).room;
  const u = [];
  for (const p of people) u.push((await api('POST', '/users', { name: p, roomId: r.id, customId: p.toLowerCase() })).user);
  return [r, u];
}

const variants = [
  ['with Web Locks', null],
  // An http:// page on another host is no secure context, and Web Locks need one.
  ['without Web Locks (no secure context)', () => delete Navigator.prototype.locks],
];
for (const [variant, init] of variants) {
  test(`five tabs of live rooms share one event stream, and all of them load (${variant})`, async (t) => {
    const tag = init ? 'nl' : 'wl';
    const [one, [ada, bob]] = await room(`North ${tag}`, `north-${tag}`, [`Ada${tag}`, `Bob${tag}`]);
    const [two, [cyd]] = await room(`South ${tag}`, `south-${tag}`, [`Cyd${tag}`]);
    await users.connect(ada.token, cyd.token);
    const context = await browser.newContext();
    t.after(async () => {
      await users.close(ada.token, bob.token, cyd.token);
      await context.close();
    });
    await signedIn(context);
    if (init) await context.addInitScript(init);
    const streams = watchStreams(context);
    const card = (p, r) => p.locator(`[data-room="${r.id}"]`);
    // Three room pages and two lists: over HTTP/1.1 Chromium opens 6 connections to a server,
    // which two streams a page used up by the third tab.
    const pages = [
      ['#/rooms', (p) => card(p, one).getByText(ada.name), one],
      [`#/rooms/${one.id}`, (p) => p.locator('.people').getByText(ada.name), one],
      [`#/rooms/${two.id}`, (p) => p.locator('.people').getByText(cyd.name), two],
      ['#/rooms', (p) => card(p, two).getByText(cyd.name), null],
      [`#/rooms/${one.id}`, (p) => p.locator('.people').getByText(ada.name), one],
    ];
    const tabs = [];
    for (const [i, [hash, ready, shows]] of pages.entries()) {
      const tab = await context.newPage();
      tab.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
      await tab.goto(`${base}/dashboard${hash}`);
      await ready(tab)
        .waitFor({ timeout: WAIT })
        .catch((e) => assert.fail(`tab ${i + 1} (${hash}) did not load: ${e.message}`));
      tabs.push({ tab, hash, shows });
    }
    await until(() => streams.open() === 1, 'one tab reads the stream');
    assert.equal(streams.max, 1, 'never more than one stream open');

    // An event reaches every tab, whichever reads the stream.
    await users.connect(bob.token);
    for (const { tab, hash, shows } of tabs)
      if (shows === one) await (hash === '#/rooms' ? card(tab, one) : tab.locator('.people')).getByText(bob.name).waitFor({ timeout: WAIT });

    // The reader closes: another tab takes over and the others still hear everything.
    const leader = streams.takeLeader();
    const rest = tabs.filter((t) => t.tab !== leader);
    await leader.close();
    await until(() => streams.open() === 1, 'another tab reads the stream');
    await users.close(ada.token, bob.token);
    for (const { tab, hash, shows } of rest) {
      if (shows !== one) continue;
      if (hash === '#/rooms') await card(tab, one).waitFor({ state: 'detached', timeout: WAIT });
      else await tab.getByText('Nobody connected').waitFor({ timeout: WAIT });
    }
    assert.equal(streams.max, 1, 'never more than one stream open');
    console.log(`${variant}: ${streams.total} stream requests for ${pages.length} tabs`);
  });
}

test('sixty live rooms and a burst of 240 events: a tab keeps to its budget and sees no 429', async (t) => {
  const rooms = [];
  for (let i = 0; i < 60; i++) rooms.push(await room(`Burst ${i}`, `burst-${i}`, [`Person${i}`]));
  // The set-up spent the account's burst; its bucket is full again after burst / rate = 2 s.
  await sleep(2000);

  const tokens = rooms.map(([, [u]]) => u.token);
  const context = await browser.newContext();
  t.after(async () => {
    await users.close(...tokens);
    await context.close();
  });
  await signedIn(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  const requests = [];
  const limited = [];
  context.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/v1/') && !path.endsWith('/events/stream')) requests.push({ path, at: Date.now() });
  });
  context.on('response', (r) => r.status() === 429 && limited.push(r.url()));
  await page.goto(`${base}/dashboard#/rooms`);
  await page.getByText('Nobody is connected to any room right now').waitFor({ timeout: WAIT });

  await users.connect(...tokens); // 60 × (session.started, participant.joined)
  await page.getByText('60 rooms with people connected now').waitFor({ timeout: WAIT });
  const [firstRoom, [firstUser]] = rooms[0];
  await page.locator(`[data-room="${firstRoom.id}"]`).getByText(firstUser.name).waitFor({ timeout: WAIT });
  await users.close(...tokens); // 60 × (participant.left, session.closed)
  await page.getByText('Nobody is connected to any room right now').waitFor({ timeout: WAIT });
  // Quiet for a second: whatever the burst caused has been asked.
  let seen = -1;
  await until(() => {
    const last = requests.at(-1)?.at ?? 0;
    if (Date.now() - last < 1000 || seen !== requests.length) {
      seen = requests.length;
      return false;
    }
    return true;
  }, 'the page settles');

  const participants = requests.filter((r) => r.path.endsWith('/participants'));
  const busiest = Math.max(...requests.map((r) => requests.filter((o) => o.at >= r.at && o.at < r.at + 1000).length));
  console.log(
    `60 live rooms, 240 events: ${requests.length} requests (${participants.length} participant reads of ` +
      `${new Set(participants.map((r) => r.path)).size} rooms), at most ${busiest} in a second, ${limited.length} answered 429`,
  );
  assert.deepEqual(limited, [], `no 429 under --account-rate-limit ${RATE_LIMIT}`);
  assert.ok(busiest <= 30, `at most 30 requests in any second (the tab's bucket), saw ${busiest}`);
  assert.ok(requests.length <= 120, `a burst costs a bounded number of re-reads, made ${requests.length}`);
});
