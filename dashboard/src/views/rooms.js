// Live rooms: who is connected now, kept current by the browser's one event stream; a room's
// recent events. What the pages read follows what they show, not how many events arrive: a
// burst of events is one re-read of the live list, and participants are read only for the
// rooms on screen, each once per burst (`coalesce.js`).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { path, PAGE_LIMIT } from '../api.js';
import { useLoad, usePaged, useEvents, ErrorNote, Empty, ShowMore } from '../components.js';
import { debounce } from '../coalesce.js';
import { when, pretty, duration } from '../format.js';

const roomLink = (id) => `#/rooms/${encodeURIComponent(id)}`;
const changesPeople = (e) => !e || /^(participant|session)\./.test(e.event);

/// The participants of the rooms on screen: a card asks for its room's as it scrolls into
/// view (`watch`), and again after `stale(roomId)` (an event in it) once `flush()` runs, if it
/// is still on screen; off screen, when it comes back.
function useRoomPeople(api) {
  const [people, setPeople] = useState({});
  const rooms = useRef(null);
  rooms.current ??= (() => {
    const visible = new Set();
    const stale = new Set();
    const known = new Set();
    const reading = new Set();
    let stopped = false;
    const wanted = (id) => visible.has(id) && (!known.has(id) || stale.has(id));
    const read = async (id) => {
      if (reading.has(id) || !wanted(id)) return;
      reading.add(id);
      stale.delete(id);
      try {
        const data = await api.get(path`/rooms/${id}/participants`);
        if (stopped) return;
        setPeople((m) => ({ ...m, [id]: data.participants }));
      } catch {
        // The room was deleted, say: the next listing drops it.
      } finally {
        known.add(id);
        reading.delete(id);
      }
      if (!stopped) read(id); // an event while it was read
    };
    const observer =
      typeof IntersectionObserver === 'function'
        ? new IntersectionObserver(
            (entries) => {
              for (const e of entries) {
                const id = e.target.dataset.room;
                if (e.isIntersecting) {
                  visible.add(id);
                  read(id);
                } else visible.delete(id);
              }
            },
            { rootMargin: '200px' },
          )
        : null;
    return {
      watch(el) {
        if (observer) observer.observe(el);
        else {
          visible.add(el.dataset.room);
          read(el.dataset.room);
        }
        return () => {
          observer?.unobserve(el);
          visible.delete(el.dataset.room);
        };
      },
      stale(id) {
        if (id) stale.add(id);
        else for (const k of known) stale.add(k);
      },
      /// Reads what is stale and on screen; `liveIds`, when known, are the rooms still live
      /// (the cards of the others are about to go).
      flush(liveIds) {
        for (const id of visible) if (!liveIds || liveIds.has(id)) read(id);
      },
      stop() {
        stopped = true;
        observer?.disconnect();
      },
    };
  })();
  useEffect(() => () => rooms.current.stop(), []);
  return [people, rooms.current];
}

function People({ participants }) {
  if (participants === undefined) return html`<span class="muted">…</span>`;
  if (participants.length === 0) return html`<span class="muted">Nobody connected</span>`;
  return html`<ul class="people">
    ${participants.map(
      (p) => html`<li><span class="dot" aria-hidden="true"></span>${p.user.name}
        <span class="muted">${p.connections > 1 ? ` (${p.connections} connections)` : ''}</span></li>`,
    )}
  </ul>`;
}

function RoomCard({ room, participants, rooms }) {
  const ref = useRef(null);
  useEffect(() => rooms.watch(ref.current), [room.id]);
  return html`<li class="panel room" data-room=${room.id} ref=${ref}>
    <h2><a href=${roomLink(room.id)}>${room.name}</a> <span class="muted">${room.custom_id ?? ''}</span></h2>
    <${People} participants=${participants} />
  </li>`;
}

export function RoomsPage({ api }) {
  // Rooms with a live session, read from the open sessions (the cost follows the live rooms,
  // not the account's), re-read once per burst of session starts and closes.
  const live = useLoad(() => api.get(`/rooms?live=true&limit=${PAGE_LIMIT}`), [api], 30_000);
  // Every room, a page at a time (offset paging: the answer says how many there are).
  const all = usePaged((offset) => api.get(`/rooms?limit=${PAGE_LIMIT}&offset=${offset}`), 'rooms', [api], 30_000);
  const [people, rooms] = useRoomPeople(api);
  const sessionsChanged = useRef(false);
  const flush = useMemo(
    () =>
      debounce(async () => {
        let liveIds;
        if (sessionsChanged.current) {
          sessionsChanged.current = false;
          const data = await live.reload();
          if (data) liveIds = new Set(data.rooms.map((r) => r.id));
        }
        rooms.flush(liveIds);
      }),
    [],
  );
  useEffect(() => () => flush.cancel(), []);
  useEvents(api, (e) => {
    if (!changesPeople(e)) return;
    if (!e || e.event.startsWith('session.')) sessionsChanged.current = true;
    rooms.stale(e?.room_id);
    flush();
  });
  const list = live.data?.rooms ?? [];
  return html`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${live.data ? `${list.length} room${list.length === 1 ? '' : 's'} with people connected now. Updates as they come and go.` : ''}</p>
    <${ErrorNote} error=${live.error ?? all.error} />
    ${live.data === undefined && !live.error
      ? html`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`
      : list.length === 0
        ? html`<${Empty}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`
        : html`<ul class="rooms">
            ${list.map((r) => html`<${RoomCard} key=${r.id} room=${r} participants=${people[r.id]} rooms=${rooms} />`)}
          </ul>`}
    ${live.data?.next_cursor ? html`<p class="muted">Showing the first ${PAGE_LIMIT} live rooms.</p>` : null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms${typeof all.total === 'number' ? html` <span class="muted">(${all.total})</span>` : null}</h2>
      ${all.data && all.items.length === 0
        ? html`<${Empty}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`
        : html`<ul class="room-links">
            ${all.items.map((r) => html`<li><a href=${roomLink(r.id)}>${r.name}</a> <span class="muted">${r.custom_id ?? ''}</span></li>`)}
          </ul>`}
      <${ShowMore} list=${all} what="rooms" />
    </section>`;
}

/// A room's numbers as the API keeps them (`GET /rooms/{id}`): who is participating now, how
/// long its sessions lasted, how many users it has and ever had.
function Analytics({ data }) {
  const r = data?.room;
  const stat = (label, value, title) =>
    html`<div title=${title}><dt>${label}</dt><dd>${r ? value : '…'}</dd></div>`;
  return html`<dl class="stats">
    ${stat('Active participants', r?.active_participants, 'Users participating now (active_participants)')}
    ${stat('Time in session', duration(r?.duration_seconds), 'The summed length of the room\u2019s sessions, the live one up to the last read (duration_seconds)')}
    ${stat('Users now', data?.usersTotal, 'Users of the room now (usersTotal)')}
    ${stat('Users ever created', r?.total_users_created, 'Users ever created in the room (total_users_created)')}
  </dl>`;
}

function Users({ list }) {
  if (list.data && list.items.length === 0) return html`<${Empty}><p>No users in this room. Create one with <code>POST /v1/accounts/{id}/users</code>.</p><//>`;
  return html`<ul class="users" aria-label="Users of the room">
    ${list.items.map(
      (u) => html`<li data-user=${u.id}>
        <span class="dot ${u.status === 'online' ? '' : 'offline'}" aria-hidden="true"></span>
        <strong>${u.name}</strong>
        <span class="badge ${u.status === 'online' ? 'badge-on' : 'badge-off'}">${u.status === 'online' ? 'Online' : 'Offline'}</span>
        ${u.custom_id ? html`<code class="tag">${u.custom_id}</code>` : null}
        <span class="muted">${u.status === 'online' ? `since ${when(u.joined_at)}` : u.left_at ? `last seen ${when(u.left_at)}` : 'never connected'}</span>
      </li>`,
    )}
  </ul>`;
}

const size = (n) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`);

/// The room's stores: each with its size and version; its entries, a page at a time, when
/// opened. Store writes make no events, so the list is read again on demand.
function Stores({ api, id }) {
  const stores = useLoad(() => api.get(path`/rooms/${id}/stores`), [api, id]);
  const list = stores.data?.stores;
  return html`<section aria-labelledby="stores-title">
    <h2 id="stores-title">Stores</h2>
    <${ErrorNote} error=${stores.error} />
    ${list === undefined
      ? html`<p class="muted">…</p>`
      : list.length === 0
        ? html`<${Empty}><p>No store has been written in this room yet.</p><//>`
        : html`<ul class="stores">
            ${list.map((s) => html`<li key=${s.name} data-store=${s.name}><${Store} api=${api} room=${id} store=${s} /></li>`)}
          </ul>`}
    <p><button type="button" class="secondary" onClick=${() => stores.refresh()}>Refresh stores</button></p>
  </section>`;
}

function Store({ api, room, store }) {
  const [open, setOpen] = useState(false);
  return html`<details class="panel" onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary><code>${store.name}</code>
      <span class="muted"> ${store.entries} ${store.entries === 1 ? 'entry' : 'entries'} · version ${store.version} · ${size(store.bytes)}</span></summary>
    ${open ? html`<${StoreEntries} api=${api} room=${room} name=${store.name} />` : null}
  </details>`;
}

function StoreEntries({ api, room, name }) {
  const list = usePaged(
    (offset) =>
      api
        .get(`${path`/rooms/${room}/stores/${name}`}?offset=${offset}`)
        .then((d) => ({ ...d, entries: d.entries.map((e) => ({ ...e, id: e.key })) })),
    'entries',
    [api, room, name],
  );
  return html`<${ErrorNote} error=${list.error} />
    <div class="table-wrap"><table aria-label=${`Entries of ${name}`}>
      <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Version</th><th scope="col">Last written</th></tr></thead>
      <tbody>
        ${list.items.map(
          (e) => html`<tr key=${e.key} data-key=${e.key}>
            <td><code>${e.key}</code></td>
            <td><pre class="payload">${pretty(JSON.stringify(e.value))}</pre></td>
            <td>${e.version}</td>
            <td>${when(e.updated_at)} <span class="muted">${e.updated_by ? `by ${e.updated_by}` : 'through the API'}</span></td>
          </tr>`,
        )}
      </tbody>
    </table></div>
    <${ShowMore} list=${list} what="entries" />`;
}

export function RoomPage({ api, id }) {
  // The room with its analytics and its first page of users; more users by offset.
  const room = usePaged(
    (offset) => api.get(offset ? `${path`/rooms/${id}`}?offset=${offset}` : path`/rooms/${id}`),
    'users',
    [api, id],
    undefined,
    'usersTotal',
  );
  const people = useLoad(() => api.get(path`/rooms/${id}/participants`), [api, id]);
  const events = useLoad(() => api.get(path`/rooms/${id}/recent-events?limit=30`), [api, id]);
  useEvents(
    api,
    (e) => {
      events.refresh();
      if (changesPeople(e) || e.event.startsWith('user.')) people.refresh();
      // Every event of the room changes its numbers or its users.
      room.refresh();
    },
    id,
  );
  if (room.error?.status === 404)
    return html`<h1>Room not found</h1><${Empty}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`;
  const r = room.data?.room;
  return html`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${r?.name ?? 'Room'}</h1>
    <p class="muted">${r ? html`<code>${r.id}</code>${r.custom_id ? html` · customId <code>${r.custom_id}</code>` : null} · created ${when(r.created_at)}` : '\u00a0'}</p>
    <${ErrorNote} error=${room.error ?? events.error} />
    <${Analytics} data=${room.data} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${People} participants=${people.data?.participants} />
    </section>
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <${Users} list=${room} />
      <${ShowMore} list=${room} what="users" />
    </section>
    <${Stores} api=${api} id=${id} />
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      ${events.data?.events?.length === 0
        ? html`<${Empty}><p>Nothing has happened in this room yet.</p><//>`
        : html`<ol class="events" aria-label="Recent events, newest first">
            ${(events.data?.events ?? []).map(
              (e) => html`<li>
                <details>
                  <summary><span class="seq" title="Its number in the room (room_seq)">#${e.room_seq}</span>
                    <code>${e.event}</code> <span class="muted">${when(e.created_at)}</span>
                    ${e.payload.user ? html` · ${e.payload.user.name}` : null}</summary>
                  <pre class="payload">${pretty(JSON.stringify(e.payload))}</pre>
                </details>
              </li>`,
            )}
          </ol>`}
    </section>`;
}
