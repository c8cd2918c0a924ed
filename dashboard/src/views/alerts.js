// Delivery alerts: the account's alert destination (where CollabKit says that a registration
// is failing, disabled, recovered, or a delivery exhausted its retries) and the alert log.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { PAGE_LIMIT } from '../api.js';
import { useLoad, usePaged, ErrorNote, Empty, SecretPanel, ShowMore, Status } from '../components.js';
import { when } from '../format.js';

/// The destination, `null` when none is set (a 404 is an answer here, not an error).
async function loadDestination(api) {
  try {
    return (await api.get('/alerts/destination')).destination;
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

function DestinationForm({ api, current, onSaved }) {
  const [url, setUrl] = useState(current?.url ?? '');
  const [threshold, setThreshold] = useState(String(current?.failure_threshold ?? 5));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await api.put('/alerts/destination', { url: url.trim(), failureThreshold: Number(threshold) });
      onSaved(data.destination);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <form class="panel form" onSubmit=${submit} aria-busy=${busy}>
      <label for="alert-url">Alert destination URL</label>
      <input id="alert-url" type="url" required placeholder="https://example.com/collabkit/alerts"
        value=${url} onInput=${(e) => setUrl(e.target.value)} />
      <label for="alert-threshold">Failed attempts in a row before a registration is failing</label>
      <input id="alert-threshold" type="number" min="1" max="10000" required
        value=${threshold} onInput=${(e) => setThreshold(e.target.value)} />
      <${ErrorNote} error=${error} />
      <div class="actions"><button type="submit" disabled=${busy}>Save destination</button></div>
    </form>`;
}

function Destination({ api, onChanged }) {
  const destination = useLoad(() => loadDestination(api), [api]);
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState(null);
  const saved = (d) => {
    if (d.secret) setSecret({ url: d.url, secret: d.secret });
    destination.reload();
    onChanged();
  };
  const remove = async () => {
    setError(null);
    try {
      await api.del('/alerts/destination');
      destination.reload();
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  const d = destination.data;
  return html`
    <section aria-labelledby="destination-title">
      <h2 id="destination-title">Destination</h2>
      <p class="muted">Alerts are signed like deliveries (Standard Webhooks) with the destination's own
        secret, and never sent to the failing registration.</p>
      <${ErrorNote} error=${destination.error ?? error} />
      ${secret
        ? html`<${SecretPanel} title=${`Alert destination set to ${secret.url}`} secret=${secret.secret} onDone=${() => setSecret(null)} />`
        : null}
      ${d === undefined
        ? html`<div class="facts placeholder" aria-busy="true">Loading the destination…</div>`
        : d === null
          ? html`<${Empty}><p>No alert destination yet: set one to be told when delivery breaks.</p><//>`
          : html`<div class="panel facts"><dl>
              <dt>URL</dt><dd><code data-testid="alert-url">${d.url}</code></dd>
              <dt>Failing after</dt><dd>${d.failure_threshold} failed attempts in a row</dd>
              <dt>Updated</dt><dd>${when(d.updated_at)}</dd>
            </dl>
            <div class="actions"><button type="button" class="secondary" onClick=${remove}>Remove destination</button></div>
          </div>`}
      ${d === undefined ? null : html`<${DestinationForm} api=${api} current=${d} key=${d?.updated_at ?? 'new'} onSaved=${saved} />`}
    </section>`;
}

const KIND_LABELS = {
  'registration.failing': 'Failing',
  'registration.disabled': 'Disabled',
  'registration.recovered': 'Recovered',
  'delivery.exhausted': 'Delivery exhausted',
};

function AlertLog({ api, reloadKey }) {
  const list = usePaged(
    (offset) => api.get(`/alerts?limit=${PAGE_LIMIT}&offset=${offset}`),
    'alerts',
    [api, reloadKey],
    10_000,
  );
  if (list.data === undefined && !list.error)
    return html`<div class="table-placeholder" aria-busy="true">Loading alerts…</div>`;
  if (list.data && list.items.length === 0)
    return html`<${Empty}><p>No alerts yet.</p><//>`;
  return html`
    <${ErrorNote} error=${list.error} />
    <div class="table-wrap">
      <table class="cards alerts">
        <caption class="visually-hidden">Delivery alerts, newest first</caption>
        <thead><tr><th scope="col">Alert</th><th scope="col">Registration</th><th scope="col">When</th><th scope="col">Status</th><th scope="col">Attempts</th></tr></thead>
        <tbody>
          ${list.items.map(
            (a) => html`<tr class="alert-row" data-kind=${a.kind} data-status=${a.status}>
              <td><strong>${KIND_LABELS[a.kind] ?? a.kind}</strong> <code class="muted">${a.kind}</code></td>
              <td data-label="Registration"><a href=${`#/webhooks/${encodeURIComponent(a.webhook_id)}`}><code>${a.webhook_id}</code></a></td>
              <td data-label="When">${when(a.created_at)}</td>
              <td data-label="Status"><${Status} status=${a.status} />${a.error ? html` <span class="muted">${a.error}</span>` : null}</td>
              <td data-label="Attempts">${a.attempts}${a.status_code ? html` <span class="muted">(last ${a.status_code})</span>` : null}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <${ShowMore} list=${list} what="alerts" />`;
}

export function AlertsPage({ api }) {
  const [reloadKey, setReloadKey] = useState(0);
  return html`
    <div class="title-row"><h1>Alerts</h1></div>
    <${Destination} api=${api} onChanged=${() => setReloadKey((k) => k + 1)} />
    <section aria-labelledby="log-title">
      <h2 id="log-title">Alert log</h2>
      <p class="muted">Suppressed alerts were held back by the rate limit (one per registration and kind
        per interval, a cap per minute): kept here, never sent.</p>
      <${AlertLog} api=${api} reloadKey=${reloadKey} />
    </section>`;
}
