// The account's event stream, once per browser. Over HTTP/1.1 a browser opens at most 6
// connections to a server, for all its tabs together: a stream per page (there were two) left
// the 4th tab none for its API calls. So the tabs signed in to one account share one stream:
// the tab that leads reads `GET /events/stream` and relays each event to the others over a
// BroadcastChannel; when it stops listening (it shows another page, or closes), another tab
// that listens takes over and resumes right after the last event relayed — nothing lost.
//
// Who leads: the tab holding the Web Lock `collabkit-events:<account>` (held until the tab
// lets go or closes, even when it crashes). Web Locks need a secure context, which an http://
// page on another host than localhost is not; there the tabs elect a leader over the channel
// itself (`elect` below). Without a BroadcastChannel at all, a tab reads a stream of its own.

const RETRY_FIRST = 500;
const RETRY_MAX = 10_000;
/// A page change (Live rooms → a room) keeps the stream open rather than handing it over.
const LINGER = 2000;
/// Events already handed to this tab's pages, by id: a takeover may replay the last few.
const REMEMBERED = 500;

/// `{ subscribe(handler, roomId?) }` for the events of `api`'s account. `handler(event)` gets
/// every event (of `roomId` only, if given) as `GET /events` lists it, and `handler(null)` when
/// events may have been missed (a takeover with no event relayed yet): read everything again.
/// `subscribe` returns the function that unsubscribes.
export function sharedEvents(api) {
  const name = `collabkit-events:${api.accountId}`;
  const subscribers = new Set();
  const seen = new Set();
  let session = null;
  let linger = null;

  const deliver = (event) => {
    if (event) {
      if (seen.has(event.id)) return;
      seen.add(event.id);
      if (seen.size > REMEMBERED) seen.delete(seen.values().next().value);
    }
    for (const s of [...subscribers]) if (!event || !s.roomId || s.roomId === event.room_id) s.handler(event);
  };

  function start() {
    const stop = new AbortController();
    const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
    let cursor = null;
    channel?.addEventListener('message', ({ data }) => {
      if (data.cursor) cursor = data.cursor;
      if ('event' in data) deliver(data.event);
    });
    // Without Web Locks the tabs elect their leader over the channel; the leader's messages
    // say who sent them, so that they count as its heartbeat.
    const election = channel && !navigator.locks ? elect(channel, stop.signal, lead) : null;
    const post = (message) => channel?.postMessage(election ? { ...message, peer: election.me } : message);

    /// Leading: reads the stream until `signal` aborts; `tookOver` when another tab led before.
    async function lead(signal, tookOver) {
      const relay = (message) => signal.aborted || post(message);
      if (tookOver && !cursor) {
        // Events between the last leader's end and this stream's start would be lost.
        relay({ event: null });
        deliver(null);
      }
      let delay = RETRY_FIRST;
      while (!signal.aborted) {
        try {
          await api.stream(
            cursor,
            (fields) => {
              if (!fields.data) {
                if (election) relay({}); // a keep-alive: the leader is alive
                return;
              }
              let event;
              try {
                event = JSON.parse(fields.data);
              } catch {
                return; // Not an event: nothing to show.
              }
              cursor = fields.id ?? cursor;
              relay({ cursor, event });
              deliver(event);
              delay = RETRY_FIRST;
            },
            signal,
          );
        } catch (e) {
          if (e.retryAfter) delay = Math.max(delay, e.retryAfter);
        }
        if (signal.aborted) break;
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, delay);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        delay = Math.min(delay * 2, RETRY_MAX);
      }
    }

    if (!channel) lead(stop.signal, false);
    else if (!election) {
      (async () => {
        const led = await navigator.locks.request(name, { ifAvailable: true }, async (lock) => {
          if (!lock) return false;
          await lead(stop.signal, false);
          return true;
        });
        if (led || stop.signal.aborted) return;
        await navigator.locks.request(name, { signal: stop.signal }, () => lead(stop.signal, true));
      })().catch(() => {
        // Aborted while waiting for the lock: this tab stopped listening.
      });
    }

    return () => {
      stop.abort();
      channel?.close();
    };
  }

  return {
    subscribe(handler, roomId) {
      const s = { handler, roomId };
      subscribers.add(s);
      clearTimeout(linger);
      session ??= start();
      return () => {
        subscribers.delete(s);
        if (subscribers.size) return;
        clearTimeout(linger);
        linger = setTimeout(() => {
          if (subscribers.size || !session) return;
          session();
          session = null;
          seen.clear();
        }, LINGER);
      };
    },
  };
}

/// Heard from a peer this recently, it is alive. The leader speaks at least on every message of
/// its stream, keep-alives included (every 15 s): network reads run in background tabs, whose
/// timers browsers slow down to once a second, and after a while to once a minute.
const PEER_TIMEOUT = 25_000;
const BEAT = 5000;
/// How long a new tab listens for the others before it may lead.
const LISTEN_FIRST = 300;

/// Leader election over `channel`, for pages without Web Locks: every listening tab says so
/// (`peer`, with an id that sorts by when it started) every BEAT, and the oldest one alive
/// leads — a new tab never takes the stream from a running one, and when the leader says
/// goodbye (it stops listening, or its page goes away) every tab picks the same successor at
/// once. Should two ever lead, the younger hears the older and steps down. Returns `{ me }`.
function elect(channel, signal, lead) {
  const me = `${Date.now().toString(36).padStart(9, '0')}.${Math.random().toString(36).slice(2, 10)}`;
  const peers = new Map();
  let ready = false;
  let reign = null;
  let heardOthers = false;

  const leader = () => {
    const now = performance.now();
    let oldest = me;
    for (const [id, at] of peers) {
      if (now - at > PEER_TIMEOUT) peers.delete(id);
      else if (id < oldest) oldest = id;
    }
    return oldest;
  };
  const decide = () => {
    if (!ready || signal.aborted) return;
    const mine = leader() === me;
    if (mine && !reign) {
      const r = new AbortController();
      reign = r;
      lead(r.signal, heardOthers).finally(() => {
        if (reign === r) reign = null;
      });
    } else if (!mine && reign) {
      reign.abort();
      reign = null;
    }
  };
  const say = (message) => {
    try {
      channel.postMessage({ ...message, peer: me });
    } catch {
      // The channel is closed: this tab stopped listening.
    }
  };

  channel.addEventListener('message', ({ data }) => {
    if (data.bye) peers.delete(data.bye);
    else if (data.peer) {
      peers.set(data.peer, performance.now());
      heardOthers = true;
      if (data.hello) say({});
    }
    decide();
  });
  const bye = () => say({ bye: me });
  const beat = setInterval(() => {
    say({});
    decide();
  }, BEAT);
  window.addEventListener('pagehide', bye);
  say({ hello: true });
  setTimeout(() => {
    ready = true;
    decide();
  }, LISTEN_FIRST);
  signal.addEventListener(
    'abort',
    () => {
      clearInterval(beat);
      window.removeEventListener('pagehide', bye);
      reign?.abort();
      bye();
    },
    { once: true },
  );
  return { me };
}
