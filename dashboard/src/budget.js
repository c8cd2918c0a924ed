// A tab's request budget: a token bucket that every API request takes a token from before it
// is sent, so that no page, however many events arrive or however many rooms it shows, makes
// a tab send more than RATE requests a second (bursts of BURST). That is a hundredth of the
// server's default account rate limit (1,000 a second), and under a low one (`--account-rate-
// limit 50`) five tabs still fit. A 429 stops the whole tab for its Retry-After.

export const RATE = 10;
export const BURST = 20;

export function budget({ rate = RATE, burst = BURST } = {}) {
  let tokens = burst;
  let last = performance.now();
  let pausedUntil = 0;
  let timer = null;
  const waiting = [];

  const pump = () => {
    timer = null;
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) * rate) / 1000);
    last = now;
    while (waiting.length && now >= pausedUntil && tokens >= 1) {
      tokens -= 1;
      waiting.shift()();
    }
    if (waiting.length) {
      const wait = Math.max(pausedUntil - now, ((1 - tokens) * 1000) / rate);
      timer = setTimeout(pump, Math.ceil(wait));
    }
  };

  return {
    /// Resolves when the request may be sent (first come, first served).
    take() {
      return new Promise((resolve) => {
        waiting.push(resolve);
        if (!timer) pump();
      });
    },
    /// The server said to wait (429 with Retry-After): nothing is sent for `ms`.
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, performance.now() + ms);
      tokens = 0;
      if (timer) clearTimeout(timer);
      pump();
    },
  };
}
