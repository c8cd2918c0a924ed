// Pieces every page uses.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { debounce, serial } from './coalesce.js';

/// Loads `load()` now, again whenever `deps` change, and every `every` ms while mounted and
/// the tab is visible. Keeps the last data while reloading, so the page never jumps back to
/// "loading". `reload()` reads again now (at most one read at a time: calls meanwhile make one
/// more read after it) and resolves with the data; `refresh()` is for events: one reload per
/// burst of calls (`coalesce.js`).
export function useLoad(load, deps, every) {
  const [state, setState] = useState({ data: undefined, error: null });
  const latest = useRef(load);
  latest.current = load;
  // The deps a read was made for: an answer for earlier deps is dropped.
  const generation = useRef(0);
  const calls = useMemo(() => {
    const reload = serial(async () => {
      const asked = generation.current;
      try {
        const data = await latest.current();
        if (asked === generation.current) setState({ data, error: null });
        return data;
      } catch (error) {
        if (asked === generation.current) setState((s) => ({ data: s.data, error }));
        return undefined;
      }
    });
    return { reload, refresh: debounce(reload) };
  }, []);
  useEffect(() => {
    generation.current += 1;
    setState({ data: undefined, error: null });
    calls.reload();
    const timer = every
      ? setInterval(() => {
          if (document.visibilityState === 'visible') calls.reload();
        }, every)
      : null;
    return () => {
      clearInterval(timer);
      calls.refresh.cancel();
    };
  }, deps);
  return { ...state, ...calls };
}

/// `handler(event)` for each of the account's events (of `roomId` only, if given) while
/// mounted, and `handler(null)` when some may have been missed: the browser's one stream.
export function useEvents(api, handler, roomId) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => api.events.subscribe((e) => latest.current(e), roomId), [api, roomId]);
}

/// An error's sentence, with the id the server logged the request under (quote it when
/// reporting a problem).
export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.message}${error.requestId
    ? html` <span class="request-id">(request <code>${error.requestId}</code>)</span>`
    : null}</p>`;
}

/// An offset-paged list (`limit`/`offset`, answering `total`): the first page read as
/// `useLoad` reads it (refreshing with it), and the pages after it appended as `more()` asks
/// for them. `load(offset)` reads one page; `key` names its items and `totalKey` their count.
export function usePaged(load, key, deps, every, totalKey = 'total') {
  const first = useLoad(() => load(0), deps, every);
  const [extra, setExtra] = useState({ items: [], error: null, busy: false });
  useEffect(() => setExtra({ items: [], error: null, busy: false }), deps);
  const head = first.data?.[key] ?? [];
  const ids = new Set(head.map((i) => i.id));
  const items = [...head, ...extra.items.filter((i) => !ids.has(i.id))];
  const total = first.data?.[totalKey];
  const more = async () => {
    setExtra((x) => ({ ...x, busy: true, error: null }));
    try {
      const data = await load(head.length + extra.items.length);
      setExtra((x) => ({ items: [...x.items, ...data[key]], error: null, busy: false }));
    } catch (error) {
      setExtra((x) => ({ ...x, error, busy: false }));
    }
  };
  return {
    ...first,
    items,
    total,
    hasMore: typeof total === 'number' && items.length < total,
    more,
    busy: extra.busy,
    moreError: extra.error,
  };
}

/// "Show more" under a paged list, saying how much of it is shown.
export function ShowMore({ list, what }) {
  if (!list.data) return null;
  return html`<div class="show-more">
    ${list.hasMore
      ? html`<p class="muted" aria-live="polite">Showing ${list.items.length} of ${list.total} ${what}.</p>
          <button type="button" class="secondary" disabled=${list.busy} onClick=${list.more}>Show more ${what}</button>`
      : null}
    <${ErrorNote} error=${list.moreError} />
  </div>`;
}

export function Status({ status }) {
  const label = { success: 'Succeeded', failed: 'Failed', pending: 'Pending', suppressed: 'Suppressed' }[status] ?? status;
  return html`<span class="badge badge-${status}">${label}</span>`;
}

export function Empty({ children }) {
  return html`<div class="empty">${children}</div>`;
}

/// A secret shown once, with a copy button and the warning that goes with it.
export function SecretPanel({ secret, title, onDone }) {
  const [copied, setCopied] = useState(false);
  const code = useRef(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // No clipboard access (an http:// page on another host): select it for Ctrl+C.
      const range = document.createRange();
      range.selectNodeContents(code.current);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
  };
  return html`
    <section class="secret" role="alert" aria-labelledby="secret-title">
      <h3 id="secret-title">${title}</h3>
      <p><strong>Copy this signing secret now: it is shown only once.</strong> Your receiver
        needs it to check signatures; if you lose it, rotate the secret to get a new one.</p>
      <div class="secret-row">
        <code ref=${code} data-testid="secret">${secret}</code>
        <button type="button" onClick=${copy}>${copied ? 'Copied' : 'Copy secret'}</button>
      </div>
      <p class="muted" aria-live="polite">${copied ? 'The secret is on your clipboard.' : ''}</p>
      <button type="button" class="secondary" onClick=${onDone}>I have stored it</button>
    </section>`;
}

/// A modal confirmation (`<dialog>`: focus moves in, Escape cancels).
export function Confirm({ open, title, children, confirmLabel, onConfirm, onCancel }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return html`
    <dialog ref=${ref} aria-labelledby="confirm-title" onCancel=${(e) => { e.preventDefault(); onCancel(); }}>
      <h3 id="confirm-title">${title}</h3>
      <div>${children}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${onCancel}>Cancel</button>
        <button type="button" class="danger" onClick=${onConfirm}>${confirmLabel}</button>
      </div>
    </dialog>`;
}
