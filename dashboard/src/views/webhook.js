// One registration: its settings, health, chart and delivery log, and the fixes — retry one
// delivery, retry every failure since a time, enable, rotate the secret, delete.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { EVENT_NAMES, path } from '../api.js';
import { useLoad, ErrorNote, Empty, Status, SecretPanel, Confirm } from '../components.js';
import { AttemptsChart, LatencyChart } from '../charts.js';
import { when, ms, pretty, percent, localInput } from '../format.js';
import { WebhookForm } from './webhook-form.js';
import { DeliverySettings } from './webhook-settings.js';
import { Outcome } from './webhooks.js';

export function WebhookPage({ api, id }) {
  const hook = useLoad(async () => {
    const [{ webhook }, stats] = await Promise.all([api.get(path`/webhooks/${id}`), api.get(path`/stats/webhooks?webhook_id=${id}`)]);
    return { webhook, health: stats.webhooks.find((h) => h.webhook_id === id) };
  }, [api, id], 10_000);
  const [editing, setEditing] = useState(false);
  const [secret, setSecret] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const [error, setError] = useState(null);

  if (hook.error?.status === 404)
    return html`<h1>Webhook not found</h1><${Empty}><p>It may have been deleted.</p><a href="#/webhooks">All webhooks</a><//>`;
  const w = hook.data?.webhook;
  const act = async (fn) => {
    setError(null);
    try {
      await fn();
      await hook.reload();
    } catch (e) {
      setError(e);
    }
  };

  return html`
    <p class="crumbs"><a href="#/webhooks">Webhooks</a> ›</p>
    <h1 class="url">${w?.url ?? 'Webhook'}</h1>
    <${ErrorNote} error=${error ?? hook.error} />
    ${secret ? html`<${SecretPanel} title="New signing secret" secret=${secret} onDone=${() => setSecret(null)} />` : null}
    ${w
      ? html`
        <div class="panel facts">
          <dl>
            <dt>Status</dt><dd>${w.enabled ? html`<span class="badge badge-on">Enabled</span>` : html`<span class="badge badge-off">Disabled</span>`}</dd>
            <dt>Latest attempt</dt><dd><${Outcome} health=${hook.data.health} /></dd>
            <dt>Success (24 h)</dt><dd>${percent(hook.data.health?.success_rate_24h)}</dd>
            <dt>Events</dt><dd>${w.events.map((e) => html`<code class="tag">${e}</code> `)}</dd>
            <dt>Room</dt><dd>${w.room_id ?? 'Every room'}</dd>
            <dt>Id</dt><dd><code>${w.id}</code></dd>
          </dl>
          <div class="actions">
            <button type="button" class="secondary" onClick=${() => setEditing(!editing)} aria-expanded=${editing}>Edit</button>
            <button type="button" class="secondary" onClick=${() => act(() => api.patch(path`/webhooks/${id}`, { enabled: !w.enabled }))}>${w.enabled ? 'Disable' : 'Enable'}</button>
            <button type="button" class="secondary" onClick=${() => setConfirm('rotate')}>Rotate secret</button>
            <button type="button" class="danger" onClick=${() => setConfirm('delete')}>Delete</button>
          </div>
        </div>
        ${editing
          ? html`<section aria-labelledby="edit-title"><h2 id="edit-title">Edit webhook</h2>
              <${WebhookForm} api=${api} initial=${w} submitLabel="Save changes"
                onSubmit=${async (body) => { await api.patch(path`/webhooks/${id}`, body); setEditing(false); await hook.reload(); }}
                onCancel=${() => setEditing(false)} /></section>`
          : null}`
      : html`<div class="panel facts placeholder" aria-busy="true"></div>`}
    <${Confirm} open=${confirm === 'delete'} title="Delete this webhook?" confirmLabel="Delete webhook"
      onCancel=${() => setConfirm(null)}
      onConfirm=${async () => { setConfirm(null); try { await api.del(path`/webhooks/${id}`); location.hash = '#/webhooks'; } catch (e) { setError(e); } }}>
      <p>Its deliveries and their log are deleted with it, and nothing more is sent to <code>${w?.url}</code>.</p>
    <//>
    <${Confirm} open=${confirm === 'rotate'} title="Rotate the signing secret?" confirmLabel="Rotate secret"
      onCancel=${() => setConfirm(null)}
      onConfirm=${() => { setConfirm(null); act(async () => setSecret((await api.post(path`/webhooks/${id}/rotate-secret`)).webhook.secret)); }}>
      <p>Deliveries are signed with the new secret and, for 24 hours, also with the old one, so you can update your receiver without losing any.</p>
    <//>
    <${DeliverySettings} api=${api} id=${id} ready=${!!w} />
    <${WebhookCharts} api=${api} id=${id} />
    <${Deliveries} api=${api} id=${id} />`;
}

function WebhookCharts({ api, id }) {
  const stats = useLoad(() => api.get(`/stats/deliveries?${new URLSearchParams({ minutes: '60', webhook_id: id })}`), [api, id], 10_000);
  return html`
    <section aria-labelledby="wh-charts-title">
      <h2 id="wh-charts-title">The last hour</h2>
      <${ErrorNote} error=${stats.error} />
      <div class="charts">
        <div class="panel"><h3>Attempts per minute</h3><${AttemptsChart} minutes=${stats.data?.minutes} /></div>
        <div class="panel"><h3>Attempt latency</h3><${LatencyChart} minutes=${stats.data?.minutes} /></div>
      </div>
    </section>`;
}

function Deliveries({ api, id }) {
  const [status, setStatus] = useState('');
  const [event, setEvent] = useState('');
  const [more, setMore] = useState([]);
  const [cursor, setCursor] = useState(undefined);
  const [open, setOpen] = useState(null);
  const query = () => {
    const p = new URLSearchParams({ limit: '25' });
    if (status) p.set('status', status);
    if (event) p.set('event', event);
    return p;
  };
  // The first page refreshes by itself; older pages, once loaded, stay as they are.
  const first = useLoad(async () => {
    const data = await api.get(`${path`/webhooks/${id}/deliveries`}?${query()}`);
    return data;
  }, [api, id, status, event], 3_000);
  const rows = [...(first.data?.deliveries ?? []), ...more.filter((d) => !(first.data?.deliveries ?? []).some((f) => f.id === d.id))];
  const next = cursor === undefined ? first.data?.next_cursor : cursor;
  const loadMore = async () => {
    const p = query();
    p.set('cursor', next);
    const data = await api.get(`${path`/webhooks/${id}/deliveries`}?${p}`);
    setMore((m) => [...m, ...data.deliveries]);
    setCursor(data.next_cursor);
  };
  const filter = (set) => (e) => {
    set(e.target.value);
    setMore([]);
    setCursor(undefined);
  };

  return html`
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries${typeof first.data?.total === 'number' ? html` <span class="muted">(${first.data.total})</span>` : null}</h2>
      <div class="filters">
        <label>Status
          <select value=${status} onChange=${filter(setStatus)}>
            <option value="">Any</option><option value="pending">Pending</option>
            <option value="success">Succeeded</option><option value="failed">Failed</option>
          </select>
        </label>
        <label>Event
          <select value=${event} onChange=${filter(setEvent)}>
            <option value="">Any</option>
            ${EVENT_NAMES.map((n) => html`<option value=${n}>${n}</option>`)}
          </select>
        </label>
      </div>
      <${Recover} api=${api} id=${id} onDone=${first.reload} />
      <${ErrorNote} error=${first.error} />
      ${first.data === undefined && !first.error
        ? html`<div class="table-placeholder" aria-busy="true">Loading deliveries…</div>`
        : rows.length === 0
          ? html`<${Empty}><p>${status || event ? 'No deliveries match these filters.' : 'No deliveries yet. They appear here as soon as a subscribed event happens (create a user, say).'}</p><//>`
          : html`<ul class="deliveries" aria-label="Deliveries, newest first">
              ${rows.map((d) => html`<${DeliveryRow} key=${d.id} api=${api} id=${id} d=${d} open=${open === d.id}
                onToggle=${() => setOpen(open === d.id ? null : d.id)} onRetried=${first.reload} />`)}
            </ul>`}
      ${next ? html`<button type="button" class="secondary" onClick=${loadMore}>Load older deliveries</button>` : null}
    </section>`;
}

function DeliveryRow({ api, id, d, open, onToggle, onRetried }) {
  return html`
    <li class="delivery" data-status=${d.status}>
      <button type="button" class="row" aria-expanded=${open} onClick=${onToggle}>
        <${Status} status=${d.status} />
        <code>${d.event}</code>
        <span class="muted">${when(d.created_at)}</span>
        <span class="muted">${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.status_code ? `, HTTP ${d.status_code}` : ''}</span>
        ${d.next_retry_at && d.status === 'pending' ? html`<span class="muted">next try ${when(d.next_retry_at)}</span>` : null}
      </button>
      ${open ? html`<${DeliveryDetail} api=${api} id=${id} d=${d} onRetried=${onRetried} />` : null}
    </li>`;
}

function DeliveryDetail({ api, id, d, onRetried }) {
  const attempts = useLoad(() => api.get(path`/webhooks/${id}/deliveries/${d.id}/attempts`), [api, id, d.id, d.attempts]);
  const [error, setError] = useState(null);
  const [retried, setRetried] = useState(false);
  const retry = async () => {
    setError(null);
    try {
      await api.post(path`/webhooks/${id}/deliveries/${d.id}/retry`);
      setRetried(true);
      onRetried();
    } catch (e) {
      setError(e);
    }
  };
  return html`
    <div class="detail">
      <div class="actions">
        <button type="button" onClick=${retry}>Retry delivery</button>
        <span class="muted" aria-live="polite">${retried ? 'Scheduled: it is attempted again now.' : ''}</span>
      </div>
      <${ErrorNote} error=${error ?? attempts.error} />
      <h3>Attempts</h3>
      ${attempts.data?.attempts?.length === 0
        ? html`<p class="muted">Not attempted yet.</p>`
        : html`<div class="table-wrap"><table class="attempts">
            <thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response body</th></tr></thead>
            <tbody>${(attempts.data?.attempts ?? []).map(
              (a) => html`<tr>
                <td>${when(a.attempted_at)}</td>
                <td>${a.status_code ?? '—'}</td>
                <td>${ms(a.duration_ms)}</td>
                <td>${a.error ?? ''}</td>
                <td><code class="body">${a.response_body || ''}</code></td>
              </tr>`,
            )}</tbody>
          </table></div>`}
      <h3>Payload</h3>
      <pre class="payload" tabindex="0" aria-label="Payload">${pretty(d.payload)}</pre>
    </div>`;
}

function Recover({ api, id, onDone }) {
  const [since, setSince] = useState(localInput(new Date(Date.now() - 3600_000)));
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const data = await api.post(path`/webhooks/${id}/recover`, { since: new Date(since).toISOString() });
      setResult(`${data.scheduled} failed deliver${data.scheduled === 1 ? 'y' : 'ies'} scheduled again.`);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return html`
    <form class="recover" onSubmit=${submit}>
      <label for="recover-since">Retry everything that failed since</label>
      <input id="recover-since" type="datetime-local" required value=${since} onInput=${(e) => setSince(e.target.value)} />
      <button type="submit" class="secondary">Retry failed</button>
      <span class="muted" aria-live="polite">${result ?? ''}</span>
      <${ErrorNote} error=${error} />
    </form>`;
}
