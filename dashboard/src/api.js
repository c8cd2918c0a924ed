// The dashboard's only way to the server: the public HTTP API with the account's Bearer
// credential, and its event stream. Every answer is the API's envelope (`{type: "response",
// success, description, data, error, requestId}`); a request resolves to its `data`, and a
// failure becomes an `ApiError` with the error's sentence to show, its `code` (NOT_FOUND…) and
// its precise `reason` (not_found, invalid_body…).
// Every id goes into a path through `path`, encoded; every request is within the tab's budget.

// The seven event names, from the receivers' package (one list for both; esbuild bundles it).
export { WEBHOOK_EVENT_NAMES as EVENT_NAMES } from '../../packages/utils/src/types.ts';

import { budget } from './budget.js';
import { sharedEvents } from './stream.js';

export class ApiError extends Error {
  /// `code` is the API's error code (`NOT_FOUND`, `VALIDATION_ERROR`, …) or, for what never
  /// reached the API, the dashboard's own (`unreachable`, `invalid_id`, `http_error`);
  /// `reason` the API's precise cause (`not_found`, `invalid_body`, …), as `code` otherwise.
  constructor(status, code, message, reason = code, requestId = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.reason = reason;
    this.requestId = requestId;
  }
}

/// The most items a list answers at once (`limit`; the event log allows more).
export const PAGE_LIMIT = 100;

const UNREACHABLE =
  'The server could not be reached. Is `collabkit serve` still running at this address?';

export function bearer(accountId, apiKey) {
  const bytes = new TextEncoder().encode(`${accountId}:${apiKey}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/// Whether `value` can be a segment of an API path: ids are opaque strings, but no id is
/// empty, `.` or `..` (which a URL resolves as dot segments, however encoded: `%2e%2e` too),
/// longer than 256 characters, or holds a control character. The page checks every id its
/// URL names before using it; `path` refuses the others.
export function isId(value) {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 256 &&
    value !== '.' &&
    value !== '..' &&
    !/[\u0000-\u001f\u007f]/.test(value)
  );
}

/// An API path with every value encoded as one segment: ``path`/rooms/${id}/users` `` — an id
/// from the page's URL (`a/../../webhooks`, `x?y`, `x#y`, `100%`) never adds segments, a query
/// or a fragment to the request.
export function path(strings, ...values) {
  return strings.reduce((out, text, i) => {
    const value = values[i - 1];
    if (!isId(String(value))) throw new ApiError(0, 'invalid_id', `"${value}" is not a valid id.`);
    return out + encodeURIComponent(String(value)) + text;
  });
}

/// A 429 is waited out (its Retry-After, at most a minute) and the request sent again, this
/// many times; refused requests changed nothing, so every method may be repeated.
const RATE_LIMITED_RETRIES = 3;

const retryAfterMs = (res) => Math.min(60, Math.max(1, Number(res.headers.get('retry-after')) || 1)) * 1000;

/// A client for one account. Every request takes from the tab's budget (`budget.js`) first.
export function client(accountId, apiKey, onUnauthorized) {
  const base = `/v1/accounts/${encodeURIComponent(accountId)}`;
  const headers = { authorization: `Bearer ${bearer(accountId, apiKey)}` };
  const bucket = budget();

  /// `fetch` within the budget; a 429 pauses the tab's requests for its Retry-After.
  async function send(url, init) {
    for (let attempt = 0; ; attempt++) {
      await bucket.take();
      const res = await fetch(url, init);
      if (res.status !== 429 || attempt === RATE_LIMITED_RETRIES) return res;
      bucket.pause(retryAfterMs(res));
      await res.body?.cancel();
    }
  }

  async function request(method, path, body) {
    let res;
    try {
      res = await send(base + path, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'unreachable', UNREACHABLE);
    }
    if (res.status === 204) return null;
    let json = null;
    try {
      json = await res.json();
    } catch {
      // A proxy's HTML error page, say: reported by status below.
    }
    if (!res.ok) {
      const err = json?.error;
      const error = new ApiError(
        res.status,
        err?.code ?? 'http_error',
        err?.message ?? `The server answered ${res.status} ${res.statusText}.`,
        err?.reason ?? err?.code ?? 'http_error',
        json?.requestId ?? res.headers.get('x-request-id'),
      );
      if (res.status === 401 && onUnauthorized) onUnauthorized(error);
      throw error;
    }
    return json?.data;
  }

  const api = {
    accountId,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    patch: (path, body) => request('PATCH', path, body),
    put: (path, body) => request('PUT', path, body),
    del: (path) => request('DELETE', path),
    /// One connection to the account's event stream (Server-Sent Events over fetch, so the
    /// credential goes in a header, not the URL), from just after `cursor` (or from now):
    /// `onMessage` gets each message's fields — `{id, event, data}` for an event, `{}` for a
    /// keep-alive. Resolves when the server ends it, rejects when it fails (an `ApiError` with
    /// `retryAfter` in ms for a 429 or 503), and ends when `signal` aborts.
    async stream(cursor, onMessage, signal) {
      const params = new URLSearchParams();
      if (cursor) params.set('cursor', cursor);
      const res = await send(`${base}/events/stream?${params}`, { headers, signal });
      if (!res.ok || !res.body) {
        const error = new ApiError(res.status, 'stream_failed', `The event stream answered ${res.status}.`);
        if (res.status === 429 || res.status === 503) error.retryAfter = retryAfterMs(res);
        await res.body?.cancel();
        if (res.status === 401 && onUnauthorized) onUnauthorized(error);
        throw error;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = {};
          for (const line of message.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue; // comments (keep-alives) start with ':'
            const name = line.slice(0, colon);
            const text = line.slice(colon + 1).replace(/^ /, '');
            fields[name] = fields[name] ? `${fields[name]}\n${text}` : text;
          }
          onMessage(fields);
        }
      }
    },
  };
  /// The account's events, one stream per browser shared by its tabs (`stream.js`).
  api.events = sharedEvents(api);
  return api;
}

/// Checks a credential by reading one registration; resolves to a client or rejects with a
/// sentence for the sign-in form.
export async function signIn(accountId, apiKey) {
  if (!isId(accountId)) throw new ApiError(0, 'invalid_id', 'That is not an account id (they look like `acct_…`).');
  const api = client(accountId, apiKey);
  try {
    await api.get('/webhooks?limit=1');
  } catch (e) {
    if (e.status === 401 || e.status === 403 || e.status === 404) {
      throw new ApiError(
        e.status,
        e.code,
        'That account id and API key do not match. Check both (the key was printed once when the account was created; `collabkit accounts rotate-key` makes a new one).',
      );
    }
    throw e;
  }
  return api;
}
