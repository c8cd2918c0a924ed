// Creating and editing a registration: URL, events, room filter, enabled.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { EVENT_NAMES, PAGE_LIMIT } from '../api.js';
import { useLoad, ErrorNote } from '../components.js';

export function WebhookForm({ api, initial, submitLabel, onSubmit, onCancel }) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [events, setEvents] = useState(initial?.events ?? ['user.created']);
  const [roomId, setRoomId] = useState(initial?.room_id ?? '');
  const [enabled, setEnabled] = useState(initial?.enabled ?? true);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  // The first rooms to pick from; past a page of them, a search (by name) finds the others.
  const [search, setSearch] = useState('');
  const rooms = useLoad(
    () => api.get(`/rooms?${new URLSearchParams(search ? { limit: PAGE_LIMIT, search } : { limit: PAGE_LIMIT })}`),
    [api, search],
  );
  const many = search !== '' || (rooms.data?.total ?? 0) > PAGE_LIMIT;

  const toggle = (name) =>
    setEvents((list) => (list.includes(name) ? list.filter((e) => e !== name) : [...list, name]));

  const submit = async (e) => {
    e.preventDefault();
    if (events.length === 0) {
      setError(new Error('Pick at least one event.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ url: url.trim(), events, room_id: roomId || null, enabled });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <form class="panel form" onSubmit=${submit} aria-busy=${busy}>
      <label for="wh-url">Receiver URL</label>
      <input id="wh-url" type="url" required placeholder="https://example.com/webhooks/collabkit"
        value=${url} onInput=${(e) => setUrl(e.target.value)} />
      <fieldset>
        <legend>Events</legend>
        <div class="checks">
          ${EVENT_NAMES.map(
            (name) => html`<label class="check">
              <input type="checkbox" checked=${events.includes(name)} onChange=${() => toggle(name)} />
              <code>${name}</code>
            </label>`,
          )}
        </div>
      </fieldset>
      ${many
        ? html`<label for="wh-room-search">Filter the list by name</label>
            <input id="wh-room-search" type="search" value=${search} onInput=${(e) => setSearch(e.target.value)} />`
        : null}
      <label for="wh-room">Room</label>
      <select id="wh-room" value=${roomId} onChange=${(e) => setRoomId(e.target.value)}>
        <option value="">Every room of the account</option>
        ${(rooms.data?.rooms ?? []).map((r) => html`<option value=${r.id}>${r.name}${r.custom_id ? ` (${r.custom_id})` : ''}</option>`)}
        ${roomId && !(rooms.data?.rooms ?? []).some((r) => r.id === roomId)
          ? html`<option value=${roomId}>${roomId}</option>`
          : null}
      </select>
      <label class="check">
        <input type="checkbox" checked=${enabled} onChange=${(e) => setEnabled(e.target.checked)} />
        Enabled (deliveries are sent)
      </label>
      <${ErrorNote} error=${error} />
      <div class="actions">
        ${onCancel ? html`<button type="button" class="secondary" onClick=${onCancel}>Cancel</button>` : null}
        <button type="submit" disabled=${busy}>${submitLabel}</button>
      </div>
    </form>`;
}
