// Live rooms: who is connected now, kept current by the account's event stream (a joined or
// left participant re-reads that room only); a room's recent events.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { path } from '../api.js';
import { useLoad, ErrorNote, Empty } from '../components.js';
import { when, pretty } from '../format.js';

const roomLink = (id) => `#/rooms/${encodeURIComponent(id)}`;

/// Re-reads a room's participants whenever the stream says someone joined or left it.
function useLiveParticipants(api, roomIds) {
  const [byRoom, setByRoom] = useState({});
  const key = roomIds.join(',');
  useEffect(() => {
    let cancelled = false;
    const read = async (roomId) => {
      try {
        const data = await api.get(path`/rooms/${roomId}/participants`);
        if (!cancelled) setByRoom((m) => ({ ...m, [roomId]: data.participants }));
      } catch {
        // The room was deleted, say: the next listing drops it.
      }
    };
    // A few at a time: an account with many rooms should not burst its rate limit.
    (async () => {
      const queue = [...roomIds];
      const workers = Array.from({ length: 4 }, async () => {
        while (queue.length && !cancelled) await read(queue.shift());
      });
      await Promise.all(workers);
    })();
    const stop = api.follow({}, (e) => {
      if (e.event.startsWith('participant.') || e.event.startsWith('session.')) {
        if (roomIds.includes(e.room_id)) read(e.room_id);
      }
    });
    return () => {
      cancelled = true;
      stop();
    };
  }, [api, key]);
  return byRoom;
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

export function RoomsPage({ api }) {
  // Rooms with a live session, read from the open sessions (the cost follows the live rooms,
  // not the account's), re-read when a session starts or closes.
  const live = useLoad(() => api.get('/rooms?live=true&limit=200'), [api], 30_000);
  const all = useLoad(() => api.get('/rooms?limit=200'), [api], 30_000);
  useEffect(
    () => api.follow({}, (e) => e.event.startsWith('session.') && live.reload()),
    [api],
  );
  const rooms = live.data?.rooms ?? [];
  const people = useLiveParticipants(api, rooms.map((r) => r.id));
  return html`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${live.data ? `${rooms.length} room${rooms.length === 1 ? '' : 's'} with people connected now. Updates as they come and go.` : ''}</p>
    <${ErrorNote} error=${live.error ?? all.error} />
    ${live.data === undefined && !live.error
      ? html`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`
      : rooms.length === 0
        ? html`<${Empty}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`
        : html`<ul class="rooms">
            ${rooms.map(
              (r) => html`<li class="panel room" data-room=${r.id}>
                <h2><a href=${roomLink(r.id)}>${r.name}</a> <span class="muted">${r.customId}</span></h2>
                <${People} participants=${people[r.id]} />
              </li>`,
            )}
          </ul>`}
    ${live.data?.next_cursor ? html`<p class="muted">Showing the first 200 live rooms.</p>` : null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms</h2>
      ${all.data?.rooms?.length === 0
        ? html`<${Empty}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`
        : html`<ul class="room-links">
            ${(all.data?.rooms ?? []).map((r) => html`<li><a href=${roomLink(r.id)}>${r.name}</a> <span class="muted">${r.customId}</span></li>`)}
          </ul>`}
      ${all.data?.next_cursor ? html`<p class="muted">Showing the first 200 rooms.</p>` : null}
    </section>`;
}

export function RoomPage({ api, id }) {
  const room = useLoad(() => api.get(path`/rooms/${id}`), [api, id]);
  const live = useLiveParticipants(api, [id]);
  const events = useLoad(() => api.get(path`/rooms/${id}/recent-events?limit=30`), [api, id]);
  useEffect(() => api.follow({ room_id: id }, () => events.reload()), [api, id]);
  if (room.error?.status === 404)
    return html`<h1>Room not found</h1><${Empty}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`;
  return html`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${room.data?.room.name ?? 'Room'}</h1>
    <${ErrorNote} error=${room.error ?? events.error} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${People} participants=${live[id]} />
    </section>
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
