// `client.stores`: a room's stores (docs/realtime-protocol.md, "Stores"), one `Store` per store
// the client declared with `defineStores`. Writes are requests answered once durable; a synced
// store holds every entry and the store's version, and applies each change at its version, in
// version order, whether it came as another client's `store_changed`, as the answer to one of
// this client's writes, or in the answer to a `stores.sync`.
import { Emitter } from './emitter.js';
import { applyStoreSchema, type StoreChange, type StoreInput, type StoreSchema, type StoreSchemas, type StoreUpdate, type StoreValue } from './schema.js';
import { CollabKitError } from './types.js';

/** How long a gap in a synced store's versions may stay open before `stores.sync` asks for it. */
export const GAP_MS = 200;

/** What a `Store` needs of its client. */
export interface StoreHost {
  /** A request; `joined`: it needs the join (sent once joined, asked again after each welcome). */
  _request(method: string, params: Record<string, unknown>, joined?: boolean): Promise<unknown>;
  readonly _joined: boolean;
}

/** A store's entries by key, as `getAll` gives them. */
export type StoreRecord<V> = Record<string, V>;

/** The events of a store (`store.on`). */
export interface StoreEvents<S extends StoreSchema> {
  /** An entry changed by another client (or a REST call): `value` is null when it was deleted. */
  changed: (change: StoreChange<S>) => void;
}

type Action = 'set' | 'update' | 'delete';

interface Change {
  key: string;
  action: Action;
  value: Record<string, unknown> | null;
  version: number;
  /** This client's own write (applied without telling `changed`). */
  own?: boolean;
}

interface SyncData {
  version: number;
  snapshot?: boolean;
  entries?: Record<string, Record<string, unknown>>;
  changes?: Change[];
}

/** A key the server would refuse whatever its bounds: empty, or holding a control character. */
function keyError(key: unknown): CollabKitError | null {
  if (typeof key !== 'string') return new CollabKitError('invalid_key', `the key is a string, not ${key === null ? 'null' : typeof key}`);
  // eslint-disable-next-line no-control-regex
  if (key === '' || /[\u0000-\u001f\u007f-\u009f]/.test(key)) {
    return new CollabKitError('invalid_key', `the key ${key === '' ? 'is empty' : 'holds a control character'}`);
  }
  return null;
}

/**
 * One store of the room (`client.stores.<name>`). Every write resolves once the server stored
 * it (durably) and rejects with a `CollabKitError` whose `code` is the server's
 * (`invalid_value`, `entry_not_found`, `value_too_large`, `store_limit`, `not_joined`, …).
 */
export class Store<S extends StoreSchema = StoreSchema> {
  /** The store's name. */
  readonly name: string;
  #host: StoreHost;
  #schema: S;
  #events = new Emitter<StoreEvents<S>>();
  /** `sync()` was called: frames and own writes are applied in version order. */
  #synced = false;
  /** A state is held (the first `stores.sync` answered). */
  #ready = false;
  #version = 0;
  #entries = new Map<string, Record<string, unknown>>();
  /** Changes above `#version + 1`, waiting for the ones before them. */
  #buffer = new Map<number, Change>();
  #gapTimer: ReturnType<typeof setTimeout> | undefined;
  #syncing: Promise<void> | null = null;
  #first: Promise<StoreRecord<StoreValue<S>>> | null = null;

  /** @internal */
  constructor(host: StoreHost, name: string, schema: S) {
    this.#host = host;
    this.name = name;
    this.#schema = schema;
  }

  /** The version of the store this client holds (0 before `sync()` loaded it). */
  get version(): number {
    return this.#version;
  }

  /** Whether `sync()` has loaded the store (then `getAll()` answers at once). */
  get synced(): boolean {
    return this.#ready;
  }

  /**
   * Creates or replaces the entry at `key`: the schema's defaults filled in, its required fields
   * and types enforced (checked here first, then by the server). Resolves with the value as
   * stored.
   */
  set({ key, value }: { key: string; value: StoreInput<S> }): Promise<StoreValue<S>> {
    return this.#write('set', key, value, false) as Promise<StoreValue<S>>;
  }

  /**
   * Changes some fields of the entry at `key` (`null` resets a field to its default, or removes
   * an optional one); rejects with `entry_not_found` when the key holds nothing. Resolves with
   * the value as stored.
   */
  update({ key, value }: { key: string; value: StoreUpdate<S> }): Promise<StoreValue<S>> {
    return this.#write('update', key, value, true) as Promise<StoreValue<S>>;
  }

  /** Deletes the entry at `key` (nothing happens when it holds nothing). */
  async delete({ key }: { key: string }): Promise<void> {
    await this.#write('delete', key, undefined, false);
  }

  /** The value at `key`, or `null` when it holds nothing (asked of the server). */
  async get({ key }: { key: string }): Promise<StoreValue<S> | null> {
    const error = keyError(key);
    if (error) throw error;
    const data = (await this.#host._request('stores.get', { store: this.name, key })) as { value: StoreValue<S> | null };
    return data.value ?? null;
  }

  /**
   * Every entry, by key. Once `sync()` has loaded the store this is the synced state itself, a
   * plain object returned at once (so `await` works too); before, a promise of the server's.
   */
  getAll(): StoreRecord<StoreValue<S>> | Promise<StoreRecord<StoreValue<S>>> {
    if (this.#ready) return this.#record();
    return this.#host
      ._request('stores.getAll', { store: this.name })
      .then((data) => ((data as { entries: StoreRecord<StoreValue<S>> }).entries ?? {}));
  }

  /**
   * Loads the store and keeps it current: every change, this client's and the others', is
   * applied in the store's version order (a missing one is asked for), and again after each
   * reconnect. Resolves with the entries once loaded; needs `join()`.
   */
  sync(): Promise<StoreRecord<StoreValue<S>>> {
    if (this.#ready) return Promise.resolve(this.#record());
    if (this.#first) return this.#first;
    this.#synced = true;
    const first = this.#resync().then(
      () => this.#record(),
      (e: unknown) => {
        // Not loaded: a later sync() tries again.
        this.#first = null;
        if (!this.#ready) {
          this.#synced = false;
          this.#buffer.clear();
        }
        throw e;
      },
    );
    this.#first = first;
    return first;
  }

  /** Calls `cb({ key, action, value })` for each change made by another client; returns the unsubscribe. */
  on<K extends keyof StoreEvents<S>>(event: K, cb: StoreEvents<S>[K]): () => void {
    return this.#events.on(event, cb);
  }

  /** Removes `cb`, or every listener of `event`. */
  off<K extends keyof StoreEvents<S>>(event: K, cb?: StoreEvents<S>[K]): void {
    this.#events.off(event, cb);
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  async #write(action: Action, key: string, value: unknown, partial: boolean): Promise<unknown> {
    const error = keyError(key);
    if (error) throw error;
    const params: Record<string, unknown> = { store: this.name, key };
    if (action !== 'delete') {
      try {
        applyStoreSchema(this.#schema, value as never, { partial, store: this.name } as never);
      } catch (e) {
        throw new CollabKitError('invalid_value', (e as Error).message);
      }
      params.value = value;
    }
    const data = (await this.#host._request(`stores.${action}`, params, true)) as { version: number | null; value?: Record<string, unknown> };
    if (typeof data.version === 'number') {
      this.#own({ key, action, value: action === 'delete' ? null : (data.value ?? null), version: data.version, own: true });
    }
    return data.value;
  }

  #record(): StoreRecord<StoreValue<S>> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of this.#entries) {
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return out as StoreRecord<StoreValue<S>>;
  }

  #emit(c: Change): void {
    this.#events.emit('changed', { key: c.key, action: c.action, value: c.value } as StoreChange<S>);
  }

  /** One of this client's writes, stored at `c.version`. */
  #own(c: Change): void {
    if (!this.#synced) return;
    if (this.#ready && c.version <= this.#version) return;
    this.#buffer.set(c.version, c);
    this.#drain();
  }

  /** @internal A `store_changed` frame of this store. */
  _changed(f: { key: string; action: Action; value: Record<string, unknown> | null; version: number }): void {
    const c: Change = { key: String(f.key), action: f.action, value: f.value ?? null, version: Number(f.version) };
    if (!this.#synced) return this.#emit(c);
    if (this.#ready && c.version <= this.#version) return;
    // Never replace one's own write buffered at that version (it is the same change).
    if (!this.#buffer.has(c.version)) this.#buffer.set(c.version, c);
    this.#drain();
  }

  /** @internal After each welcome: what was missed while away is asked for. */
  _rejoined(): void {
    if (this.#ready && !this.#syncing) this.#resync().catch(() => {});
  }

  /** @internal The client stopped: no timer left. */
  _stopped(): void {
    clearTimeout(this.#gapTimer);
    this.#gapTimer = undefined;
  }

  #put(c: Change): void {
    if (c.action === 'delete' || c.value === null) this.#entries.delete(c.key);
    else this.#entries.set(c.key, c.value);
    if (!c.own) this.#emit(c);
  }

  /** Applies the buffered changes that follow the version held, in order. */
  #drain(): void {
    if (!this.#ready) return;
    for (const v of this.#buffer.keys()) if (v <= this.#version) this.#buffer.delete(v);
    for (let c = this.#buffer.get(this.#version + 1); c; c = this.#buffer.get(this.#version + 1)) {
      this.#buffer.delete(c.version);
      this.#version = c.version;
      this.#put(c);
    }
    this.#watchGap();
  }

  /** A gap left open for `GAP_MS` is asked for with `stores.sync`. */
  #watchGap(): void {
    if (this.#buffer.size === 0) {
      clearTimeout(this.#gapTimer);
      this.#gapTimer = undefined;
      return;
    }
    if (this.#gapTimer || this.#syncing) return;
    this.#gapTimer = setTimeout(() => {
      this.#gapTimer = undefined;
      // Offline: the next welcome asks anyway.
      if (this.#buffer.size && this.#host._joined) this.#resync().catch(() => {});
    }, GAP_MS);
  }

  #resync(): Promise<void> {
    if (this.#syncing) return this.#syncing;
    clearTimeout(this.#gapTimer);
    this.#gapTimer = undefined;
    const since = this.#ready ? this.#version : undefined;
    const params: Record<string, unknown> = { store: this.name };
    if (since !== undefined) params.since = since;
    const p = this.#host
      ._request('stores.sync', params, true)
      .then((data) => this.#synced && this.#applySync(data as SyncData, since))
      .finally(() => {
        this.#syncing = null;
        if (this.#ready) this.#watchGap();
      });
    this.#syncing = p as Promise<void>;
    return this.#syncing;
  }

  #applySync(data: SyncData, since: number | undefined): void {
    const version = Number(data.version);
    const owns = new Set<number>();
    for (const c of this.#buffer.values()) if (c.own) owns.add(c.version);
    if (data.snapshot) {
      // A snapshot older than what this client reached since asking is stale: keep ours. (One
      // older than `since` means the store is not the one we knew: it replaces everything.)
      if (!(this.#ready && since !== undefined && version < this.#version && version >= since)) {
        const next = new Map(Object.entries(data.entries ?? {}));
        const told = this.#ready;
        const before = this.#entries;
        this.#entries = next;
        this.#version = version;
        this.#ready = true;
        if (told) {
          for (const [key] of before) if (!next.has(key)) this.#emit({ key, action: 'delete', value: null, version });
          for (const [key, value] of next) {
            const was = before.get(key);
            if (was === undefined || JSON.stringify(was) !== JSON.stringify(value)) this.#emit({ key, action: 'set', value, version });
          }
        }
      }
    } else {
      const floor = this.#version;
      for (const c of data.changes ?? []) {
        if (c.version > floor) this.#put({ key: c.key, action: c.action, value: c.value ?? null, version: c.version, own: owns.has(c.version) });
      }
      this.#version = Math.max(this.#version, version);
      this.#ready = true;
    }
    this.#drain();
  }
}

/** `client.stores`: one `Store` per store declared, by name. */
export type Stores<S extends StoreSchemas> = { readonly [K in keyof S]: Store<S[K]> };
