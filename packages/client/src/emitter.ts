/** A minimal typed event emitter: `on` returns the function that removes the listener. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Listener = (...args: any[]) => void;

export class Emitter<Events extends { [K in keyof Events]: Listener }> {
  #listeners = new Map<keyof Events, Set<Listener>>();

  /** Calls `cb` on every `event`; returns a function that stops it. */
  on<K extends keyof Events>(event: K, cb: Events[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(cb);
    return () => this.off(event, cb);
  }

  /** Calls `cb` on the next `event` only; returns a function that cancels it. */
  once<K extends keyof Events>(event: K, cb: Events[K]): () => void {
    const wrapper = ((...args: unknown[]) => {
      off();
      cb(...args);
    }) as Events[K];
    const off = this.on(event, wrapper);
    return off;
  }

  /** Removes `cb` from `event`, or every listener of `event` without `cb`. */
  off<K extends keyof Events>(event: K, cb?: Events[K]): void {
    if (cb) this.#listeners.get(event)?.delete(cb);
    else this.#listeners.delete(event);
  }

  /** @internal */
  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const cb of [...(this.#listeners.get(event) ?? [])]) {
      try {
        cb(...args);
      } catch (e) {
        // A listener's error must not break the SDK's own state keeping.
        setTimeout(() => {
          throw e;
        });
      }
    }
  }
}
