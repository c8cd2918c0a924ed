// The CollabKit dashboard: sign in with an account id and API key (kept for this tab only),
// then webhooks, deliveries and live rooms, all through the public HTTP API.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { html } from './html.js';
import { client, isId, signIn } from './api.js';
import { Empty } from './components.js';
import { Overview } from './views/overview.js';
import { WebhooksPage } from './views/webhooks.js';
import { WebhookPage } from './views/webhook.js';
import { RoomsPage, RoomPage } from './views/rooms.js';
import { AlertsPage } from './views/alerts.js';

const STORAGE_KEY = 'collabkit.dashboard.credential';

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/// The route in the page's URL (`#/webhooks/{id}`, `#/rooms/{id}`), each segment decoded
/// once; a segment that does not decode (`%E0%A4%A`) is null, as no id.
function route(hash) {
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return null;
      }
    });
}

/// A link that names something no API path can hold: the page says so and asks nothing.
function InvalidId({ what, list }) {
  return html`<h1>Not a valid ${what} id</h1><${Empty}><p>The address names no ${what} this dashboard can show.</p>${list}<//>`;
}

function SignIn({ onSignedIn, notice }) {
  const [accountId, setAccountId] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(accountId.trim(), apiKey.trim());
      onSignedIn({ accountId: accountId.trim(), apiKey: apiKey.trim() });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="signin" id="main">
      <form class="panel form" onSubmit=${submit} aria-busy=${busy}>
        <h1>CollabKit dashboard</h1>
        <p class="muted">Sign in with an account id and its API key: the ones <code>collabkit serve</code>
          printed on first start, or <code>collabkit accounts create</code>.</p>
        ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
        <label for="account-id">Account id</label>
        <input id="account-id" autocomplete="username" required spellcheck="false"
          placeholder="acc_…" value=${accountId} onInput=${(e) => setAccountId(e.target.value)} />
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="current-password" required
          value=${apiKey} onInput=${(e) => setApiKey(e.target.value)} />
        ${error ? html`<p class="error" role="alert">${error.message}</p>` : null}
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
        <p class="muted small">The key stays in this tab's session storage and is sent only to this server.</p>
      </form>
    </main>`;
}

function Shell({ credential, onSignOut }) {
  const hash = useHash();
  const api = useMemo(
    () => client(credential.accountId, credential.apiKey, () => onSignOut('Your API key is no longer accepted (it may have been rotated). Sign in again.')),
    [credential],
  );
  const parts = route(hash);
  const id = parts[1];
  let page;
  let section = 'overview';
  if (parts[0] === 'webhooks') {
    section = 'webhooks';
    if (id === 'new' || id === undefined)
      page = html`<${WebhooksPage} api=${api} creating=${id === 'new'} />`;
    else if (!isId(id)) page = html`<${InvalidId} what="webhook" list=${html`<a href="#/webhooks">All webhooks</a>`} />`;
    else page = html`<${WebhookPage} api=${api} id=${id} key=${id} />`;
  } else if (parts[0] === 'rooms') {
    section = 'rooms';
    if (id === undefined) page = html`<${RoomsPage} api=${api} />`;
    else if (!isId(id)) page = html`<${InvalidId} what="room" list=${html`<a href="#/rooms">All rooms</a>`} />`;
    else page = html`<${RoomPage} api=${api} id=${id} key=${id} />`;
  } else if (parts[0] === 'alerts') {
    section = 'alerts';
    page = html`<${AlertsPage} api=${api} />`;
  } else {
    page = html`<${Overview} api=${api} />`;
  }
  useEffect(() => {
    document.title = `${{ overview: 'Overview', webhooks: 'Webhooks', rooms: 'Live rooms', alerts: 'Alerts' }[section]} · CollabKit`;
  }, [section]);
  const link = (href, name, label) =>
    html`<a href=${href} aria-current=${section === name ? 'page' : undefined}>${label}</a>`;
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="top">
      <span class="brand">CollabKit</span>
      <nav aria-label="Dashboard">
        ${link('#/', 'overview', 'Overview')}
        ${link('#/webhooks', 'webhooks', 'Webhooks')}
        ${link('#/rooms', 'rooms', 'Live rooms')}
        ${link('#/alerts', 'alerts', 'Alerts')}
      </nav>
      <span class="account"><span class="muted">Account</span> <code>${credential.accountId}</code></span>
      <button type="button" class="secondary small" onClick=${() => onSignOut()}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${page}</main>`;
}

function App() {
  const [credential, setCredential] = useState(() => {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    } catch {
      return null;
    }
  });
  const [notice, setNotice] = useState(null);
  if (!credential)
    return html`<${SignIn} notice=${notice} onSignedIn=${(c) => {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
      setNotice(null);
      setCredential(c);
    }} />`;
  return html`<${Shell} credential=${credential} onSignOut=${(message) => {
    sessionStorage.removeItem(STORAGE_KEY);
    setNotice(message ?? null);
    setCredential(null);
  }} />`;
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading…" line the HTML shows until the script runs
render(html`<${App} />`, root);
