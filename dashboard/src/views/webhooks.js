// The list of registrations with their health, and creating one.
import { useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { PAGE_LIMIT } from '../api.js';
import { usePaged, ErrorNote, Empty, SecretPanel, ShowMore } from '../components.js';
import { ago, percent } from '../format.js';
import { WebhookForm } from './webhook-form.js';

export function Outcome({ health }) {
  if (!health || health.last_outcome == null) return html`<span class="muted">No attempts in 24 h</span>`;
  if (health.last_outcome === 'failed')
    return html`<span class="badge badge-failed">Failing</span> <span class="muted">since ${ago(health.failing_since)}</span>`;
  return html`<span class="badge badge-success">Succeeded</span> <span class="muted">${ago(health.last_attempt_minute)}</span>`;
}

export function HealthTable({ api, reloadKey }) {
  // The registrations a page at a time, each page with the health of the same registrations:
  // both lists are oldest first, so the health's cursor after page n is where page n+1's
  // health starts.
  const healthCursors = useRef(new Map());
  const list = usePaged(
    async (offset) => {
      const health = new URLSearchParams({ limit: String(PAGE_LIMIT) });
      const cursor = healthCursors.current.get(offset);
      if (cursor) health.set('cursor', cursor);
      else if (offset) health.set('offset', String(offset));
      const [hooks, stats] = await Promise.all([
        api.get(`/webhooks?limit=${PAGE_LIMIT}&offset=${offset}`),
        api.get(`/stats/webhooks?${health}`),
      ]);
      if (stats.next_cursor) healthCursors.current.set(offset + hooks.webhooks.length, stats.next_cursor);
      const byId = new Map(stats.webhooks.map((h) => [h.webhook_id, h]));
      return { ...hooks, webhooks: hooks.webhooks.map((w) => ({ ...w, health: byId.get(w.id) })) };
    },
    'webhooks',
    [api, reloadKey],
    10_000,
  );
  if (list.data === undefined && !list.error)
    return html`<div class="table-placeholder" aria-busy="true">Loading webhooks…</div>`;
  if (list.data && list.items.length === 0)
    return html`<${Empty}>
      <p>No webhooks yet. Register a URL and CollabKit will send it signed events as they happen.</p>
      <a class="button" href="#/webhooks/new">Create a webhook</a>
    <//>`;
  return html`
    <${ErrorNote} error=${list.error} />
    <div class="table-wrap">
      <table class="cards">
        <caption class="visually-hidden">Webhooks with their latest outcome and success rate</caption>
        <thead><tr><th scope="col">Receiver</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Latest attempt</th><th scope="col">Success (24 h)</th></tr></thead>
        <tbody>
          ${list.items.map(
            (w) => html`<tr>
              <td class="url"><a href=${`#/webhooks/${encodeURIComponent(w.id)}`}>${w.url}</a>${w.room_id ? html`<div class="muted">room ${w.room_id}</div>` : null}</td>
              <td data-label="Events">${w.events.length === 7 ? 'all 7' : w.events.join(', ')}</td>
              <td data-label="Status">${w.enabled ? html`<span class="badge badge-on">Enabled</span>` : html`<span class="badge badge-off">Disabled</span>`}</td>
              <td data-label="Latest attempt"><${Outcome} health=${w.health} /></td>
              <td data-label="Success (24 h)">${percent(w.health?.success_rate_24h)} <span class="muted">${w.health?.attempts_24h ? `of ${w.health.attempts_24h}` : ''}</span></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <${ShowMore} list=${list} what="webhooks" />`;
}

export function WebhooksPage({ api, creating }) {
  const [created, setCreated] = useState(null);
  const [reloadKey, setReloadKey] = useState(0);
  const create = async (body) => {
    const data = await api.post('/webhooks', body);
    setCreated(data.webhook);
    setReloadKey((k) => k + 1);
    location.hash = '#/webhooks';
  };
  return html`
    <div class="title-row">
      <h1>Webhooks</h1>
      ${creating ? null : html`<a class="button" href="#/webhooks/new">New webhook</a>`}
    </div>
    ${created
      ? html`<${SecretPanel} title=${`Webhook created for ${created.url}`} secret=${created.secret} onDone=${() => setCreated(null)} />`
      : null}
    ${creating
      ? html`<section aria-labelledby="new-title"><h2 id="new-title">New webhook</h2>
          <${WebhookForm} api=${api} submitLabel="Create webhook" onSubmit=${create} onCancel=${() => (location.hash = '#/webhooks')} />
        </section>`
      : null}
    <${HealthTable} api=${api} reloadKey=${reloadKey} />`;
}
