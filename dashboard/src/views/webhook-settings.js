// A registration's delivery settings, each a sub-resource of it (its JSON is the seed's, field
// for field): the custom headers sent on every attempt, and the delivery rate limit.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { path } from '../api.js';
import { useLoad, ErrorNote } from '../components.js';

/// `Name: value` lines into headers; a line without a colon is an error naming it.
export function parseHeaders(text) {
  const headers = {};
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error(`Line ${i + 1}: write each header as “Name: value”.`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  return headers;
}

const asLines = (headers) => Object.entries(headers).map(([n, v]) => `${n}: ${v}`).join('\n');

/// Laid out the same while `ready` is false (the registration not read yet: nothing is asked,
/// since a missing one has no settings) as once read, so nothing below it moves.
export function DeliverySettings({ api, id, ready }) {
  const settings = useLoad(async () => {
    if (!ready) return undefined;
    const [h, r] = await Promise.all([api.get(path`/webhooks/${id}/headers`), api.get(path`/webhooks/${id}/rate-limit`)]);
    return { headers: h.headers, perSecond: r.per_second };
  }, [api, id, ready]);
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [rate, setRate] = useState('');
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(null);
  const data = settings.data;
  const names = data ? Object.keys(data.headers) : [];

  const act = async (fn, done) => {
    setError(null);
    setSaved(null);
    try {
      await fn();
      await settings.reload();
      setSaved(done);
    } catch (e) {
      setError(e);
    }
  };
  const saveHeaders = (e) => {
    e.preventDefault();
    act(async () => {
      await api.put(path`/webhooks/${id}/headers`, { headers: parseHeaders(text) });
      setEditing(false);
    }, 'Headers saved.');
  };
  const saveRate = (e) => {
    e.preventDefault();
    act(() => api.put(path`/webhooks/${id}/rate-limit`, { per_second: Number(rate) }), 'Rate limit saved.');
  };

  return html`
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Delivery settings</h2>
      <${ErrorNote} error=${settings.error ?? error} />
      ${saved ? html`<p class="notice" role="status">${saved}</p>` : null}
      <div class="panel facts">
        <dl>
          <dt>Custom headers</dt>
          <dd data-testid="headers">${data === undefined
            ? '…'
            : names.length === 0
              ? html`<span class="muted">None</span>`
              : names.map((n) => html`<code class="tag">${n}</code> `)}</dd>
          <dt>Rate limit</dt>
          <dd data-testid="rate-limit">${data === undefined
            ? '…'
            : data.perSecond === null
              ? html`<span class="muted">None</span>`
              : `${data.perSecond} deliveries per second, over every node`}</dd>
        </dl>
        <div class="actions">
          <button type="button" class="secondary" aria-expanded=${editing} disabled=${data === undefined}
            onClick=${() => { setText(asLines(data.headers)); setEditing(!editing); }}>Edit headers</button>
          ${data?.perSecond !== null && data !== undefined
            ? html`<button type="button" class="secondary"
                onClick=${() => act(() => api.put(path`/webhooks/${id}/rate-limit`, { per_second: null }), 'Rate limit removed.')}>Remove rate limit</button>`
            : null}
        </div>
        ${editing
          ? html`<form class="form" onSubmit=${saveHeaders}>
              <label for="wh-headers">Headers, one per line (“Name: value”); saving replaces them all</label>
              <textarea id="wh-headers" rows="4" spellcheck="false" value=${text} onInput=${(e) => setText(e.target.value)}
                placeholder="Authorization: Bearer …"></textarea>
              <div class="actions">
                <button type="button" class="secondary" onClick=${() => setEditing(false)}>Cancel</button>
                <button type="submit">Save headers</button>
              </div>
            </form>`
          : null}
        <form class="form" onSubmit=${saveRate}>
          <label for="wh-rate">Deliveries per second at most (1 to 10,000)</label>
          <div class="actions">
            <input id="wh-rate" type="number" min="1" max="10000" step="1" required value=${rate}
              onInput=${(e) => setRate(e.target.value)} />
            <button type="submit">Save rate limit</button>
          </div>
        </form>
      </div>
    </section>`;
}
