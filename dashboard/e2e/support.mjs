// What the browser tests share: the server and account they were given, the API as a test
// calls it, and Chromium. The Rust tests in `tests/api/dashboard.rs` start the server and pass
//
//   COLLABKIT_URL, COLLABKIT_ACCOUNT_ID, COLLABKIT_API_KEY, CHROMIUM, SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const base = process.env.COLLABKIT_URL;
export const accountId = process.env.COLLABKIT_ACCOUNT_ID;
export const apiKey = process.env.COLLABKIT_API_KEY;
export const WAIT = 15_000;

const auth = `Bearer ${Buffer.from(`${accountId}:${apiKey}`).toString('base64')}`;

/// One API call as the test makes it; a 429 (a test server with a low account rate limit) or a
/// 503 `overloaded` (a busy machine) is waited out as its Retry-After says, so the test's own
/// set-up never fails on it.
export async function api(method, path, body) {
  for (;;) {
    const res = await fetch(`${base}/v1/accounts/${accountId}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status === 429 || res.status === 503) {
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    const json = res.status === 204 ? null : await res.json();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json?.data;
  }
}

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
}

/// The credential as the dashboard keeps it in a tab's session storage: every page of
/// `context` opens signed in.
export async function signedIn(context) {
  await context.addInitScript(
    (credential) => sessionStorage.setItem('collabkit.dashboard.credential', credential),
    JSON.stringify({ accountId, apiKey }),
  );
}

/// Realtime connections of users (a page of its own browser context, so that its sockets share
/// nothing with the dashboard's tabs): `connect(token)` resolves once welcomed, `close(token)`.
export async function sockets(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/healthz`);
  const ws = base.replace(/^http/, 'ws');
  return {
    connect: (...tokens) =>
      page.evaluate(
        ([ws, tokens]) =>
          Promise.all(
            tokens.map(
              (token) =>
                new Promise((resolve, reject) => {
                  const socket = new WebSocket(`${ws}/v1/connect?token=${encodeURIComponent(token)}`);
                  (window.sockets ??= {})[token] = socket;
                  socket.onmessage = (m) => JSON.parse(m.data).type === 'welcome' && resolve();
                  socket.onerror = () => reject(new Error('the socket failed'));
                }),
            ),
          ),
        [ws, tokens],
      ),
    close: (...tokens) =>
      page.evaluate((tokens) => {
        for (const t of tokens) window.sockets?.[t]?.close();
      }, tokens),
    done: () => context.close(),
  };
}
