// The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against a
// real server. Started by the Rust test `tests/api/dashboard.rs`, which runs the server and
// passes its address and an account in the environment (see `support.mjs`).
//
// The receiver is ours, on loopback: it answers 500 until told to recover.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { base, accountId, apiKey, api, launch, WAIT } from './support.mjs';

const shots = process.env.SCREENSHOT_DIR;
const WIDTHS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } };
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser;
let context;
let page;
let receiver;
let failing = true;
const received = [];

const nav = (name) => page.getByRole('navigation').getByRole('link', { name }).click();

async function shoot(name) {
  for (const [label, size] of Object.entries(WIDTHS)) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS.desktop);
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body, failing });
      res.writeHead(failing ? 500 : 200, { 'content-type': 'text/plain' });
      res.end(failing ? 'receiver is down' : 'ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  browser = await launch();
  context = await browser.newContext({ viewport: WIDTHS.desktop, reducedMotion: 'reduce' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  // The server under test keeps its connections to us alive (its pool's idle timeout is
  // 90 s): drop them, or the test process waits for them to end.
  receiver?.close();
  receiver?.closeAllConnections();
});

test('a wrong key shows a clear message and signs nobody in', async () => {
  await page.goto(`${base}/dashboard`);
  await page.getByLabel('Account id').fill(accountId);
  await page.getByLabel('API key').fill('not-the-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: WAIT });
  assert.match(await alert.textContent(), /account id and API key do not match/);
  assert.deepEqual(await accessibilityViolations(), []);
  await shoot('sign-in-wrong-key');
});

test('signing in shows the overview, with an empty state to start from', async () => {
  await page.goto(`${base}/dashboard`);
  await shoot('sign-in');
  await page.getByLabel('Account id').fill(accountId);
  await page.getByLabel('API key').fill(apiKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: WAIT });
  await page.getByText('No webhooks yet').waitFor({ timeout: WAIT });
  // Every form control has a label; every image has a text alternative.
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select')].filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).length,
  );
  assert.equal(unlabelled, 0);
  await shoot('overview-empty');
});

let webhookUrl;
let webhookId;
test('creating a webhook shows its secret once, and it copies', async () => {
  webhookUrl = `http://127.0.0.1:${receiver.address().port}/hooks/collabkit`;
  await nav('Webhooks');
  await page.getByRole('link', { name: 'New webhook' }).click();
  await page.getByLabel('Receiver URL').fill(webhookUrl);
  await page.getByRole('checkbox', { name: 'user.updated' }).check();
  await shoot('webhook-new');
  await page.getByRole('button', { name: 'Create webhook' }).click();
  const secret = page.getByTestId('secret');
  await secret.waitFor({ timeout: WAIT });
  const shown = await secret.textContent();
  webhookId = (await api('GET', '/webhooks')).webhooks[0].id;
  assert.match(shown, /^whsec_/);
  assert.match(await page.getByRole('alert').first().textContent(), /shown only once/);
  await page.getByRole('button', { name: 'Copy secret' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown);
  await shoot('webhook-created');
  await page.getByRole('button', { name: 'I have stored it' }).click();
  assert.equal(await page.getByTestId('secret').count(), 0, 'the secret is gone once acknowledged');
  await page.getByRole('link', { name: webhookUrl }).waitFor({ timeout: WAIT });
  await shoot('webhooks');
});

let room;
let user;
test('a delivery that fails is shown failed, then retried to success', async () => {
  room = (await api('POST', '/rooms', { name: 'Design review', customId: 'design-review' })).room;
  user = (await api('POST', '/users', { name: 'Ada', roomId: room.id, customId: 'ada' })).user;

  await page.getByRole('link', { name: webhookUrl }).click();
  const row = page.locator('.delivery').first();
  await row.waitFor({ timeout: WAIT });
  await page.locator('.delivery[data-status="failed"]').first().waitFor({ timeout: WAIT });
  assert.ok(received.length >= 1 && received.every((r) => r.failing));
  await row.getByRole('button').first().click();
  await page.locator('table.attempts tbody tr').nth(2).waitFor({ timeout: WAIT });
  assert.match(await page.locator('table.attempts').textContent(), /500/);
  assert.match(await page.locator('table.attempts').textContent(), /receiver is down/);
  assert.match(await page.locator('pre.payload').textContent(), /"event": "user.created"/);
  await shoot('webhook-delivery-failed');

  failing = false;
  await page.getByRole('button', { name: 'Retry delivery' }).click();
  await page.locator('.delivery[data-status="success"]').first().waitFor({ timeout: WAIT });
  const ok = received.find((r) => !r.failing);
  assert.ok(ok, 'the receiver got the retried delivery');
  assert.ok(ok.headers['webhook-signature'], 'signed');
  // The health in the list: the latest attempt succeeded.
  await nav('Webhooks');
  await page.locator('td .badge-success').first().waitFor({ timeout: WAIT });
});

test('a delivery arrives after creating a user', async () => {
  const before = received.length;
  await page.getByRole('link', { name: webhookUrl }).click();
  await page.locator('.delivery').first().waitFor({ timeout: WAIT });
  await api('POST', '/users', { name: 'Grace', roomId: room.id, customId: 'grace' });
  // The list refreshes by itself: two deliveries, the newest succeeded.
  await page.waitForFunction(() => document.querySelectorAll('.delivery').length === 2, null, { timeout: WAIT });
  await page.locator('.delivery').first().locator('.badge-success').waitFor({ timeout: WAIT });
  assert.ok(received.length > before);
  // Filters: only failed ones — none are left.
  await page.getByLabel('Status').selectOption('failed');
  await page.getByText('No deliveries match these filters.').waitFor({ timeout: WAIT });
  await page.getByLabel('Status').selectOption('');
  await shoot('webhook');
});

test('the overview charts the attempts', async () => {
  await nav('Overview');
  const caption = page.locator('figcaption').first();
  await page.waitForFunction(
    () => /succeeded \(2\)/.test(document.querySelector('figcaption')?.textContent ?? ''),
    null,
    { timeout: WAIT },
  );
  assert.match(await caption.textContent(), /failed \([1-9]/);
  const label = await page.locator('svg[role="img"]').first().getAttribute('aria-label');
  assert.match(label, /2 succeeded/);
  await shoot('overview');
});

test('a participant appears in a live room and leaves it', async () => {
  await nav('Live rooms');
  await page.getByText('Nobody is connected to any room right now').waitFor({ timeout: WAIT });
  await page.locator('.room-links').getByRole('link', { name: 'Design review' }).waitFor({ timeout: WAIT });
  const card = page.locator(`[data-room="${room.id}"]`);

  // Ada connects from another tab.
  const tab = await context.newPage();
  await tab.goto(`${base}/dashboard`);
  const wsUrl = `${base.replace(/^http/, 'ws')}/v1/connect?token=${encodeURIComponent(user.token)}`;
  await tab.evaluate(
    (url) =>
      new Promise((resolve, reject) => {
        window.ws = new WebSocket(url);
        window.ws.onmessage = (m) => JSON.parse(m.data).type === 'welcome' && resolve();
        window.ws.onerror = reject;
      }),
    wsUrl,
  );
  await card.getByText('Ada').waitFor({ timeout: WAIT });
  await shoot('rooms');

  await card.getByRole('link', { name: 'Design review' }).click();
  await page.getByRole('heading', { name: 'Connected now' }).waitFor({ timeout: WAIT });
  await page.locator('.people').getByText('Ada').waitFor({ timeout: WAIT });
  await page.locator('.events code', { hasText: 'participant.joined' }).waitFor({ timeout: WAIT });
  // The room's analytics, as the API counts them: Ada participating, two users ever created.
  const stat = (label) => page.locator('.stats div', { has: page.locator('dt', { hasText: label }) }).locator('dd');
  await page.waitForFunction(() => /Active participants\s*1/.test(document.querySelector('.stats')?.textContent ?? ''), null, { timeout: WAIT });
  assert.equal(await stat('Users ever created').textContent(), '2');
  assert.equal(await stat('Users now').textContent(), '2');
  const ada = page.locator(`.users [data-user="${user.id}"]`);
  await ada.getByText('Online').waitFor({ timeout: WAIT });
  await shoot('room');

  await tab.evaluate(() => window.ws.close());
  // The leave grace passes, then the stream reports the leave and the page updates.
  await page.getByText('Nobody connected').waitFor({ timeout: WAIT });
  await page.locator('.events code', { hasText: 'participant.left' }).waitFor({ timeout: WAIT });
  await page.locator('.events code', { hasText: 'session.closed' }).waitFor({ timeout: WAIT });
  await ada.getByText('Offline').waitFor({ timeout: WAIT });
  await page.waitForFunction(() => /Active participants\s*0/.test(document.querySelector('.stats')?.textContent ?? ''), null, { timeout: WAIT });
  assert.match(await stat('Time in session').textContent(), /^\d+ s$/);
  const api_room = (await api('GET', `/rooms/${room.id}`)).room;
  assert.deepEqual([api_room.active_participants, api_room.total_users_created], [0, 2]);
  // Newest first, each with its number in the room: the session closed right after Ada left.
  const [closed, left] = await page.locator('.events .seq').allTextContents();
  assert.match(closed, /^#\d+$/);
  assert.equal(Number(closed.slice(1)), Number(left.slice(1)) + 1);
  assert.equal(await page.locator('.events code').first().textContent(), 'session.closed');
  // And the room is no longer live.
  await nav('Live rooms');
  await page.getByText('Nobody is connected to any room right now').waitFor({ timeout: WAIT });
  await tab.close();
});

test("a room's stores are shown with their entries", async () => {
  const entry = (key) => `/rooms/${room.id}/stores/tasks/entries/${encodeURIComponent(key)}`;
  await api('PUT', entry('t1'), { value: { title: 'Ship the stores', completed: false } });
  await page.goto(`${base}/dashboard#/rooms/${room.id}`);
  const store = page.locator('[data-store="tasks"]');
  await store.getByText('1 entry').waitFor({ timeout: WAIT });
  await store.locator('summary').click();
  const row = store.locator('tr[data-key="t1"]');
  await row.getByText('Ship the stores').waitFor({ timeout: WAIT });
  assert.match(await row.textContent(), /through the API/);
  // Store writes make no events: the list is read again when asked.
  await api('PUT', entry('t 2/ü'), { value: { title: 'Keys are any text' } });
  await page.getByRole('button', { name: 'Refresh stores' }).click();
  await store.getByText('2 entries').waitFor({ timeout: WAIT });
  await shoot('room-stores');
});

test('keyboard only: the navigation and the delivery list work without a mouse', async () => {
  await page.goto(`${base}/dashboard#/webhooks`);
  await page.getByRole('link', { name: webhookUrl }).waitFor({ timeout: WAIT });
  await page.getByRole('link', { name: webhookUrl }).focus();
  await page.keyboard.press('Enter');
  const first = page.locator('.delivery .row').first();
  await first.waitFor({ timeout: WAIT });
  await first.focus();
  await page.keyboard.press('Enter');
  assert.equal(await first.getAttribute('aria-expanded'), 'true');
});

/// Cumulative layout shift of a fresh load of `hash`, once `ready` is visible.
async function layoutShift(hash, ready) {
  // A fresh document: a change of the hash alone would keep the previous page's record.
  await page.goto('about:blank');
  await page.goto(`${base}/dashboard${hash}`);
  await ready().waitFor({ timeout: WAIT });
  await page.waitForTimeout(500);
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        let total = 0;
        const moved = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.hadRecentInput) continue;
            total += e.value;
            for (const s of e.sources ?? [])
              moved.push(`${s.node?.nodeName}.${s.node?.className ?? ''} ${JSON.stringify(s.previousRect)} → ${JSON.stringify(s.currentRect)}`);
          }
        }).observe({ type: 'layout-shift', buffered: true });
        setTimeout(() => resolve({ total, moved }), 300);
      }),
  );
}

test('loading pages does not shift their layout', async () => {
  const pages = [
    ['#/', () => page.getByText('succeeded (').first()],
    ['#/webhooks', () => page.getByRole('link', { name: webhookUrl })],
    [`#/webhooks/${webhookId}`, () => page.locator('.delivery').first()],
    ['#/rooms', () => page.locator('.room-links').getByText('Design review')],
  ];
  for (const [hash, ready] of pages) {
    const { total, moved } = await layoutShift(hash, ready);
    console.log(`layout shift of ${hash}: ${total.toFixed(4)}`);
    assert.ok(total < 0.1, `${hash}: cumulative layout shift ${total}:\n${moved.join('\n')}`);
  }
});

/// axe-core's WCAG 2.1 A/AA rules (labels, names, contrast, landmarks, …) on the page as it is.
async function accessibilityViolations() {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    if (result.passes.length < 10) return [`axe checked only ${result.passes.length} rules: did it run?`];
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
}

test('every page passes axe-core accessibility checks (WCAG 2.1 AA, contrast included)', async () => {
  const pages = [
    ['#/', () => page.getByText('succeeded (').first()],
    ['#/webhooks', () => page.getByRole('link', { name: webhookUrl })],
    ['#/webhooks/new', () => page.getByLabel('Receiver URL')],
    [`#/webhooks/${webhookId}`, () => page.locator('.delivery').first()],
    ['#/rooms', () => page.locator('.room-links').getByText('Design review')],
    [`#/rooms/${room.id}`, () => page.getByRole('heading', { name: 'Connected now' })],
  ];
  for (const [hash, ready] of pages) {
    await page.goto(`${base}/dashboard${hash}`);
    await ready().waitFor({ timeout: WAIT });
    if (hash === `#/webhooks/${webhookId}`) {
      await page.locator('.delivery .row').first().click();
      await page.locator('table.attempts').waitFor({ timeout: WAIT });
    }
    const violations = await accessibilityViolations();
    assert.deepEqual(violations, [], `${hash}:\n${violations.join('\n')}`);
  }
});

test('a webhook is edited, disabled, enabled, rotated, recovered, paged and deleted', async () => {
  const hook = (await api('POST', '/webhooks', { url: `${webhookUrl}/second`, events: ['user.created'] })).webhook;
  await page.goto(`${base}/dashboard#/webhooks/${hook.id}`);
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  await page.getByRole('checkbox', { name: 'user.deleted' }).check();
  await page.getByLabel('Room', { exact: true }).selectOption(room.id);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('.facts code.tag', { hasText: 'user.deleted' }).waitFor({ timeout: WAIT });
  await page.locator('.facts dd', { hasText: room.id }).waitFor({ timeout: WAIT });
  const edited = (await api('GET', `/webhooks/${hook.id}`)).webhook;
  assert.deepEqual([edited.events, edited.room_id], [['user.created', 'user.deleted'], room.id]);

  await page.getByRole('button', { name: 'Disable' }).click();
  await page.locator('.facts .badge-off', { hasText: 'Disabled' }).waitFor({ timeout: WAIT });
  assert.equal((await api('GET', `/webhooks/${hook.id}`)).webhook.enabled, false);
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.locator('.facts .badge-on', { hasText: 'Enabled' }).waitFor({ timeout: WAIT });

  // Delivery settings: custom headers and the rate limit, each a sub-resource.
  await page.getByTestId('headers').getByText('None').waitFor({ timeout: WAIT });
  await page.getByRole('button', { name: 'Edit headers' }).click();
  await page.getByLabel(/Headers, one per line/).fill('X-Bad Line');
  await page.getByRole('button', { name: 'Save headers' }).click();
  await page.getByText('Line 1: write each header as “Name: value”.').waitFor({ timeout: WAIT });
  await page.getByLabel(/Headers, one per line/).fill('Authorization: Bearer s3cret\nX-Tenant: acme');
  await page.getByRole('button', { name: 'Save headers' }).click();
  await page.getByTestId('headers').getByText('X-Tenant').waitFor({ timeout: WAIT });
  assert.deepEqual((await api('GET', `/webhooks/${hook.id}/headers`)).headers, { Authorization: 'Bearer s3cret', 'X-Tenant': 'acme' });
  assert.doesNotMatch(await page.getByTestId('headers').textContent(), /s3cret/, 'values are not shown');
  await page.getByRole('button', { name: 'Edit headers' }).click();
  await page.getByLabel(/Headers, one per line/).fill('Host: evil.test');
  await page.getByRole('button', { name: 'Save headers' }).click();
  await page.locator('.error', { hasText: 'Host' }).waitFor({ timeout: WAIT });
  assert.deepEqual(Object.keys((await api('GET', `/webhooks/${hook.id}/headers`)).headers), ['Authorization', 'X-Tenant'], 'a refused set changes nothing');
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await page.getByLabel(/Deliveries per second at most/).fill('25');
  await page.getByRole('button', { name: 'Save rate limit' }).click();
  await page.getByTestId('rate-limit').getByText('25 deliveries per second').waitFor({ timeout: WAIT });
  assert.equal((await api('GET', `/webhooks/${hook.id}/rate-limit`)).per_second, 25);
  await page.getByRole('button', { name: 'Remove rate limit' }).click();
  await page.getByTestId('rate-limit').getByText('None').waitFor({ timeout: WAIT });
  assert.equal((await api('GET', `/webhooks/${hook.id}/rate-limit`)).per_second, null);
  await api('PUT', `/webhooks/${hook.id}/headers`, { headers: {} });

  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
  const rotated = await page.getByTestId('secret').textContent();
  assert.notEqual(rotated, hook.secret);
  assert.match(rotated, /^whsec_/);
  await page.getByRole('button', { name: 'I have stored it' }).click();

  // 27 failures while the receiver is down, then "retry everything that failed since".
  failing = true;
  for (let i = 0; i < 27; i++) await api('POST', '/users', { name: `P${i}`, roomId: room.id, customId: `p${i}` });
  await page.waitForFunction(() => document.querySelectorAll('.delivery[data-status="failed"]').length === 25, null, { timeout: WAIT });
  await page.getByRole('button', { name: 'Load older deliveries' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.delivery').length === 27, null, { timeout: WAIT });
  failing = false;
  await page.getByRole('button', { name: 'Retry failed' }).click();
  await page.getByText('27 failed deliveries scheduled again.').waitFor({ timeout: WAIT });
  await page.waitForFunction(() => document.querySelectorAll('.delivery[data-status="success"]').length >= 25, null, { timeout: WAIT });

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /deliveries and their log are deleted/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  // The dialog closes in an effect, after the next frame.
  await dialog.waitFor({ state: 'hidden', timeout: WAIT });
  assert.equal((await api('GET', '/webhooks')).webhooks.length, 2, 'Cancel deletes nothing');
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await dialog.getByRole('button', { name: 'Delete webhook' }).click();
  await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor({ timeout: WAIT });
  assert.equal((await api('GET', '/webhooks')).webhooks.length, 1);
});

test('the alerts page sets the destination, shows its secret once, and lists the alerts it was sent', async () => {
  const alertsUrl = `http://127.0.0.1:${receiver.address().port}/alerts/collabkit`;
  await nav('Alerts');
  await page.getByRole('heading', { name: 'Alerts', exact: true }).waitFor({ timeout: WAIT });
  await page.getByText('No alert destination yet').waitFor({ timeout: WAIT });
  await page.getByText('No alerts yet.').waitFor({ timeout: WAIT });
  await page.getByLabel('Alert destination URL').fill(alertsUrl);
  await page.getByLabel('Failed attempts in a row before a registration is failing').fill('3');
  await page.getByRole('button', { name: 'Save destination' }).click();
  const shown = page.getByTestId('secret');
  await shown.waitFor({ timeout: WAIT });
  const secret = await shown.textContent();
  assert.match(secret, /^whsec_/);
  await page.getByRole('button', { name: 'I have stored it' }).click();
  assert.equal(await page.getByTestId('alert-url').textContent(), alertsUrl);
  assert.equal((await api('GET', '/alerts/destination')).destination.failure_threshold, 3);

  // An alert: a registration disabled by hand reaches the destination, signed with its secret.
  const hook = (await api('POST', '/webhooks', { url: `${webhookUrl}/alerted`, events: ['user.created'] })).webhook;
  await api('PATCH', `/webhooks/${hook.id}`, { enabled: false });
  const isAlert = (r) => r.body.includes('"registration.disabled"') && r.body.includes(hook.id);
  for (const deadline = Date.now() + WAIT; !received.some(isAlert); ) {
    assert.ok(Date.now() < deadline, 'the alert never arrived');
    await page.waitForTimeout(50);
  }
  const alert = received.find(isAlert);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${alert.headers['webhook-id']}.${alert.headers['webhook-timestamp']}.${alert.body}`)
    .digest('base64');
  assert.ok(alert.headers['webhook-signature'].split(' ').includes(`v1,${expected}`), 'signed with the destination secret');
  assert.equal(JSON.parse(alert.body).reason, 'manual');

  await nav('Overview');
  await nav('Alerts');
  const row = page.locator('.alert-row[data-kind="registration.disabled"]').first();
  await row.waitFor({ timeout: WAIT });
  assert.match(await row.textContent(), new RegExp(hook.id));
  assert.deepEqual(await accessibilityViolations(), []);
  await shoot('alerts');
  await api('DELETE', `/webhooks/${hook.id}`);
});

test('more than a page of rooms: the list says how many and shows the rest', async () => {
  const before = (await api('GET', '/rooms?limit=1')).total;
  for (let i = before; i < 101; i++) await api('POST', '/rooms', { name: `Room ${String(i).padStart(3, '0')}` });
  await page.goto(`${base}/dashboard#/rooms`);
  const links = page.locator('.room-links li');
  await page.getByText('Showing 100 of 101 rooms.').waitFor({ timeout: WAIT });
  assert.equal(await links.count(), 100);
  await page.getByRole('button', { name: 'Show more rooms' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.room-links li').length === 101, null, { timeout: WAIT });
  assert.equal(await page.getByRole('button', { name: 'Show more rooms' }).count(), 0, 'nothing more to show');
  assert.match(await page.locator('#all-rooms-title').textContent(), /\(101\)/);
  // Past a page of rooms, the webhook form's room list can be filtered by name.
  await page.goto(`${base}/dashboard#/webhooks/new`);
  await page.getByLabel('Filter the list by name').fill('Room 100');
  await page.waitForFunction(() => document.querySelectorAll('#wh-room option').length === 2, null, { timeout: WAIT });
  assert.match(await page.locator('#wh-room option').nth(1).textContent(), /Room 100/);
});

test('an error the API answers is shown with its request id', async () => {
  // A registration for a room that was deleted after the form listed it.
  const doomed = (await api('POST', '/rooms', { name: 'Doomed' })).room;
  await page.goto(`${base}/dashboard#/webhooks/new`);
  await page.getByLabel('Filter the list by name').fill('Doomed');
  await page.locator(`#wh-room option[value="${doomed.id}"]`).waitFor({ state: 'attached', timeout: WAIT });
  await page.getByLabel('Receiver URL').fill(`${webhookUrl}/doomed`);
  await page.getByLabel('Room', { exact: true }).selectOption(doomed.id);
  await api('DELETE', `/rooms/${doomed.id}`);
  await page.getByRole('button', { name: 'Create webhook' }).click();
  const alert = page.locator('form .error[role="alert"]');
  await alert.waitFor({ timeout: WAIT });
  assert.match(await alert.textContent(), /room/i);
  assert.match(await alert.locator('.request-id code').textContent(), /\S/);
  assert.deepEqual(await accessibilityViolations(), []);
});

/// The API paths (with their queries) the dashboard asks while `run` runs, in a fresh document.
async function asked(run) {
  const paths = [];
  const seen = (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/v1/')) paths.push(url.pathname + url.search);
  };
  await page.goto('about:blank');
  page.on('request', seen);
  try {
    await run();
  } finally {
    page.off('request', seen);
  }
  return paths.filter((p) => !p.split('?')[0].endsWith('/events/stream'));
}

test('ids from the address go into API paths encoded, and impossible ones are not asked for', async () => {
  const prefix = `/v1/accounts/${accountId}`;
  // An id that, pasted raw into a path, would have been another resource (the account's
  // webhooks, a query, a fragment); encoded, it is one segment: a room that does not exist.
  const id = 'room_x/../../webhooks?limit=1#top%';
  const enc = encodeURIComponent(id);
  let paths = await asked(async () => {
    await page.goto(`${base}/dashboard#/rooms/${enc}`);
    await page.getByRole('heading', { name: 'Room not found' }).waitFor({ timeout: WAIT });
  });
  assert.ok(paths.includes(`${prefix}/rooms/${enc}`), paths.join('\n'));
  const room = [`${prefix}/rooms/${enc}`, `${prefix}/rooms/${enc}/participants`, `${prefix}/rooms/${enc}/recent-events?limit=30`, `${prefix}/rooms/${enc}/stores`];
  assert.deepEqual(paths.filter((p) => !room.includes(p)), [], 'nothing else was asked');

  const hook = 'wh_x/../../rooms/?a=b#c%d';
  const hookEnc = encodeURIComponent(hook);
  paths = await asked(async () => {
    await page.goto(`${base}/dashboard#/webhooks/${hookEnc}`);
    await page.getByRole('heading', { name: 'Webhook not found' }).waitFor({ timeout: WAIT });
  });
  assert.ok(paths.includes(`${prefix}/webhooks/${hookEnc}`), paths.join('\n'));
  for (const p of paths) {
    const pathname = p.split('?')[0];
    assert.ok(
      [`${prefix}/webhooks/${hookEnc}`, `${prefix}/webhooks/${hookEnc}/deliveries`, `${prefix}/stats/webhooks`, `${prefix}/stats/deliveries`].includes(pathname),
      `asked ${p}`,
    );
  }
  assert.ok(paths.includes(`${prefix}/stats/deliveries?${new URLSearchParams({ minutes: '60', webhook_id: hook })}`), paths.join('\n'));

  // Dot segments (which a URL resolves however they are encoded), control characters and
  // text that does not decode: the page says so and asks nothing.
  for (const [hash, what] of [
    ['#/rooms/..', 'room'],
    ['#/rooms/%2e%2E', 'room'],
    ['#/webhooks/.', 'webhook'],
    ['#/webhooks/wh_%00', 'webhook'],
    ['#/rooms/%E0%A4%A', 'room'],
  ]) {
    paths = await asked(async () => {
      await page.goto(`${base}/dashboard${hash}`);
      await page.getByRole('heading', { name: `Not a valid ${what} id` }).waitFor({ timeout: WAIT });
    });
    assert.deepEqual(paths, [], `${hash} asked nothing`);
  }
  assert.deepEqual(await accessibilityViolations(), []);
});

test('the API reference renders under a strict content security policy', async () => {
  const docs = await context.newPage();
  const errors = [];
  docs.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  docs.on('pageerror', (e) => errors.push(e.message));
  await docs.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const res = await docs.goto(`${base}/docs`);
  const csp = res.headers()['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  // Rendered by its script, styled by its sheet.
  await docs.locator('#schemas').waitFor({ timeout: WAIT });
  await docs.locator('.op .path', { hasText: '/events/stream' }).first().waitFor({ timeout: WAIT });
  assert.equal(await docs.evaluate(() => getComputedStyle(document.body).maxWidth), '960px', 'the style sheet applies');
  assert.deepEqual(await docs.evaluate(() => window.violations), []);
  assert.deepEqual(errors, []);
  await docs.close();
});

test('signing out forgets the key; an unreachable server is reported', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  // The server "goes away": every API call fails at the network level.
  await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
  await page.getByLabel('Account id').fill(accountId);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor({ timeout: WAIT });
  assert.match(await page.getByRole('alert').textContent(), /could not be reached/);
  await page.unroute('**/v1/**');
});
