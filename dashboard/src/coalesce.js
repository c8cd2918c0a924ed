// Re-reads that events trigger, coalesced: a burst of events (sixty people joining at once) is
// one re-read of what the page shows, not sixty.

/// `fn` once per burst of calls: WAIT ms after the last call, and no later than MAX_WAIT ms
/// after the first one, so a steady flow of events still refreshes the page every MAX_WAIT.
export function debounce(fn, wait = 250, maxWait = 1000) {
  let timer = null;
  let first = 0;
  const call = () => {
    const now = performance.now();
    if (!first) first = now;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      first = 0;
      fn();
    }, Math.max(0, Math.min(wait, first + maxWait - now)));
  };
  call.cancel = () => {
    clearTimeout(timer);
    timer = null;
    first = 0;
  };
  return call;
}

/// `fn` (async) never runs twice at once: a call while it runs asks for one more run after it,
/// however many calls come meanwhile, and resolves with that run's result — so the answer a
/// caller gets was always asked after the call.
export function serial(fn) {
  let running = null;
  let again = null;
  const call = () => {
    if (!running) {
      running = Promise.resolve()
        .then(fn)
        .finally(() => {
          running = null;
        });
      return running;
    }
    again ??= running.catch(() => {}).then(() => {
      again = null;
      return call();
    });
    return again;
  };
  return call;
}
