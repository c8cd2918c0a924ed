// The CollabKit realtime client: one WebSocket speaking protocol version 2
// (docs/realtime-protocol.md of the server), reconnecting by itself and rehydrating its state
// from each new welcome.
import { Emitter } from './emitter.js';
import { defineStores, type StoreSchemas } from './schema.js';
import { Store, type Stores } from './stores.js';
import {
  CollabKitError,
  type BroadcastMeta,
  type CollabKitClientOptions,
  type CollabKitRoomData,
  type CollabKitUserData,
  type JsonObject,
  type PresenceEvent,
  type PresenceState,
  type SocketEvents,
  type WebSocketConstructor,
  type WebSocketLike,
} from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Frame = { type: string; [field: string]: any };

interface Waiter<T = unknown> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Request extends Waiter {
  frame: Frame;
  /** It needs the join: sent once joined, and again after each welcome until answered. */
  joined: boolean;
}

interface FollowWaiter extends Waiter<void> {
  target: string;
  on: boolean;
}

const OPEN = 1;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const remove = (list: string[], id: string) => {
  const i = list.indexOf(id);
  if (i >= 0) list.splice(i, 1);
};

/** The events of `client.users.on`; each gets the user. */
export interface UsersEvents {
  userJoined: (user: CollabKitUser) => void;
  userLeft: (user: CollabKitUser) => void;
  userCreated: (user: CollabKitUser) => void;
  userUpdated: (user: CollabKitUser) => void;
  userDeleted: (user: CollabKitUser) => void;
}

/** The events of one user (`user.on`). */
export interface UserEvents {
  /** Anything about this user changed: fields, status, following or followers. */
  changed: (user: CollabKitUser) => void;
}

/**
 * A user of the room: the server's fields (snake_case), the ids this user follows and is
 * followed by (kept current), and `follow()` / `unfollow()` for the current user to call.
 */
export class CollabKitUser implements CollabKitUserData {
  id!: string;
  room_id!: string;
  name!: string;
  profile_picture!: string | null;
  custom_id!: string | null;
  status!: 'online' | 'offline';
  created_at!: string;
  joined_at!: string | null;
  left_at!: string | null;
  /** Ids of the users this user follows. */
  following: string[] = [];
  /** Ids of the users following this user. */
  followers: string[] = [];
  /** This user's colour in the room (`#rrggbb`). */
  color?: string;
  #client: CollabKitClient;
  #events = new Emitter<UserEvents>();

  /** @internal */
  constructor(client: CollabKitClient, data: CollabKitUserData) {
    this.#client = client;
    this._assign(data);
  }

  /**
   * @internal `follows`: take `following`/`followers` from `data` too. While joined they are
   * not: the welcome's `follows` and the `follow` frames keep them, in the socket's order,
   * which a response or a user frame computed earlier must not undo.
   */
  _assign(data: Partial<CollabKitUserData> & { token?: unknown }, follows = true): void {
    const { following, followers, token: _token, ...fields } = data;
    Object.assign(this, fields);
    if (follows && following) this.following = [...following];
    if (follows && followers) this.followers = [...followers];
  }

  /** @internal */
  _changed(): void {
    this.#events.emit('changed', this);
  }

  /** The current user follows this user; resolves once the server confirmed it. */
  follow(): Promise<void> {
    return this.#client._follow(this.id, true);
  }

  /** The current user stops following this user; resolves once the server confirmed it. */
  unfollow(): Promise<void> {
    return this.#client._follow(this.id, false);
  }

  on<K extends keyof UserEvents>(event: K, cb: UserEvents[K]): () => void {
    return this.#events.on(event, cb);
  }

  off<K extends keyof UserEvents>(event: K, cb?: UserEvents[K]): void {
    this.#events.off(event, cb);
  }

  toJSON(): CollabKitUserData {
    const { id, room_id, name, profile_picture, custom_id, status, created_at, joined_at, left_at } = this;
    return {
      id, room_id, name, profile_picture, custom_id, status, created_at, joined_at, left_at,
      following: this.following, followers: this.followers, color: this.color,
    };
  }
}

/** `client.users`: the room's users, online and all, and their events. */
export class Users {
  /** Users online in the room now (the current user included once joined). */
  readonly online = new Map<string, CollabKitUser>();
  /** Every user of the room, online or not. */
  readonly all = new Map<string, CollabKitUser>();
  #events = new Emitter<UsersEvents>();
  #client: CollabKitClient;

  /** @internal */
  constructor(client: CollabKitClient) {
    this.#client = client;
  }

  /** Fetches a user (the current one without `userId`) from the server. */
  async get(options: { userId?: string } | string = {}): Promise<CollabKitUser> {
    const userId = typeof options === 'string' ? options : options.userId;
    const data = (await this.#client._request('users.get', userId ? { userId } : {})) as { user: CollabKitUserData };
    return this._upsert(data.user);
  }

  /** Fetches every user of the room (the first 1,000) from the server; `all` is refreshed. */
  async getAll(): Promise<CollabKitUser[]> {
    const data = (await this.#client._request('users.getAll', {})) as { users: CollabKitUserData[] };
    return data.users.map((u) => this._upsert(u));
  }

  on<K extends keyof UsersEvents>(event: K, cb: UsersEvents[K]): () => void {
    return this.#events.on(event, cb);
  }

  once<K extends keyof UsersEvents>(event: K, cb: UsersEvents[K]): () => void {
    return this.#events.once(event, cb);
  }

  off<K extends keyof UsersEvents>(event: K, cb?: UsersEvents[K]): void {
    this.#events.off(event, cb);
  }

  /** @internal */
  _emit<K extends keyof UsersEvents>(event: K, user: CollabKitUser): void {
    this.#events.emit(event, ...([user] as Parameters<UsersEvents[K]>));
  }

  /** @internal The instance for `data.id`, created or updated. */
  _upsert(data: CollabKitUserData): CollabKitUser {
    let user = this.all.get(data.id);
    if (user) user._assign(data, !this.#client._joined);
    else this.all.set(data.id, (user = new CollabKitUser(this.#client, data)));
    if (this.online.has(user.id)) user.status = 'online';
    return user;
  }
}

interface Subscription {
  target: string;
  cb: (event: PresenceEvent) => void;
}

/** `client.presence`: the current user's presence out, the others' in. */
export class Presence {
  #client: CollabKitClient;
  #states = new Map<string, PresenceState>();
  #subs = new Set<Subscription>();
  #local: JsonObject | null | undefined;
  #dirty = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @internal */
  constructor(client: CollabKitClient) {
    this.#client = client;
  }

  /**
   * Sets the current user's presence (`null` clears it). Sent at once, then at most every 50 ms
   * (the latest state wins); before `join()` and while offline only the latest is kept, and sent
   * on (re)joining.
   */
  update(state: JsonObject | null): void {
    this.#local = state;
    this.#dirty = true;
    this.#pump();
  }

  /**
   * Calls `cb` with `{ userId, state }` for each other user's presence matching `target` (`'*'`:
   * everyone, `'following'`: the users the current user follows now, or one user id): at once
   * for the current states, then on every change; `state` is `null` when the user left or
   * cleared it. Returns a function that stops this subscription.
   */
  sync(target: '*' | 'following' | (string & {}), cb: (event: PresenceEvent) => void): () => void {
    const sub = { target, cb };
    this.#subs.add(sub);
    for (const [userId, state] of this.#states) if (this.#matches(sub, userId)) cb({ userId, state });
    return () => this.#subs.delete(sub);
  }

  /** Stops the subscriptions of `cb`, or all of them. */
  unsync(cb?: (event: PresenceEvent) => void): void {
    for (const sub of this.#subs) if (!cb || sub.cb === cb) this.#subs.delete(sub);
  }

  /** The other users' current presence states (with `color`), by user id. */
  getStates(): Map<string, PresenceState> {
    return new Map(this.#states);
  }

  #matches(sub: Subscription, userId: string): boolean {
    if (sub.target === '*') return true;
    if (sub.target === 'following') return !!this.#client.currentUser?.following.includes(userId);
    return sub.target === userId;
  }

  #pump(): void {
    if (this.#timer || !this.#dirty || !this.#client._joined) return;
    this.#dirty = false;
    this.#client._raw({ type: 'presence', presence: this.#local ?? null });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, 50);
  }

  /** @internal After (re)joining: the server gets the latest presence again. */
  _joined(): void {
    if (this.#local !== undefined) this.#dirty = true;
    this.#pump();
  }

  /** @internal */
  _set(userId: string, presence: JsonObject | null | undefined, color: string | undefined): boolean {
    const state: PresenceState = presence ? { ...presence, color: color ?? '' } : null;
    const had = this.#states.has(userId);
    if (had ? same(this.#states.get(userId), state) : state === null) return false;
    if (state === null) this.#states.delete(userId);
    else this.#states.set(userId, state);
    this._emit(userId, state);
    return true;
  }

  /** @internal Tells the `'following'` subscriptions the state of a user just followed. */
  _followed(userId: string): void {
    const state = this.#states.get(userId);
    if (!state) return;
    for (const sub of this.#subs) if (sub.target === 'following') sub.cb({ userId, state });
  }

  /** @internal */
  _emit(userId: string, state: PresenceState): void {
    for (const sub of [...this.#subs]) {
      if (!this.#matches(sub, userId)) continue;
      try {
        sub.cb({ userId, state });
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
  }

  /** @internal */
  _ids(): string[] {
    return [...this.#states.keys()];
  }

  /** @internal After `disconnect()`: a later `join()` starts with no presence. */
  _clearLocal(): void {
    this.#local = undefined;
    this.#dirty = false;
  }

  /** @internal */
  _reset(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#states.clear();
  }
}

type BroadcastListener = (data: unknown, meta: BroadcastMeta) => void;

/** `client.notifications`: broadcasts, to everyone else in the room or to some users. */
export class Notifications {
  #client: CollabKitClient;
  #events = new Emitter<Record<string, BroadcastListener>>();

  /** @internal */
  constructor(client: CollabKitClient) {
    this.#client = client;
  }

  /**
   * Sends `event` with `data` to every other participant, or only to `userIds`. Fire and
   * forget; while offline it is queued (up to `maxQueued`, then this throws).
   */
  broadcast(event: string, data: unknown, userIds?: string[]): void {
    if (typeof event !== 'string' || !event) throw new TypeError('broadcast: event must be a non-empty string');
    const frame: Frame = { type: 'broadcast', event, data: data ?? {} };
    if (userIds) frame.userIds = [...userIds];
    this.#client._send(frame);
  }

  /** Calls `cb(data, { userId, event })` for each broadcast `event`; returns the unsubscribe. */
  on(event: string, cb: BroadcastListener): () => void {
    return this.#events.on(event, cb);
  }

  /** Like `on`, for the next one only. */
  once(event: string, cb: BroadcastListener): () => void {
    return this.#events.once(event, cb);
  }

  /** Removes `cb` from `event` (every listener of `event` without `cb`). */
  off(event: string, cb?: BroadcastListener): void {
    this.#events.off(event, cb);
  }

  /** @internal */
  _emit(event: string, data: unknown, userId: string): void {
    this.#events.emit(event, data, { userId, event });
  }
}

/** The room with its users, as `room.get` answers. */
export interface RoomWithUsers {
  room: CollabKitRoomData;
  users: CollabKitUserData[];
}

/** The `socket` of a client: its connection's events. */
export type SocketEmitter = Pick<Emitter<SocketEvents>, 'on' | 'once' | 'off'>;

/**
 * The CollabKit realtime client.
 *
 * ```ts
 * const client = new CollabKitClient({ serverUrl, authToken });
 * await client.connect();
 * await client.join();
 * ```
 */
export class CollabKitClient<S extends StoreSchemas = {}> {
  /** The connection's events: `connected`, `disconnected`, `reconnecting`, `reconnected`, `failed`, `authFailed`, `error`. */
  readonly socket: SocketEmitter;
  readonly users: Users;
  readonly presence: Presence;
  readonly notifications: Notifications;
  /** The room's stores declared in the `stores` option, by name. */
  readonly stores: Stores<S>;
  readonly room: { get(options?: { roomId?: string }): Promise<RoomWithUsers> };
  /** The room of the token, once connected (refreshed by every welcome and `room.get`). */
  currentRoom: CollabKitRoomData | null = null;
  /** The current user (an entry of `users.all`), once connected. */
  currentUser: CollabKitUser | null = null;
  /** The current user's id, once connected. */
  userId: string | null = null;

  #socketEvents = new Emitter<SocketEvents>();
  #url: string;
  #token: string;
  #WS: WebSocketConstructor;
  #maxAttempts: number;
  #initialDelay: number;
  #maxDelay: number;
  #timeout: number;
  #maxQueued: number;

  #ws: WebSocketLike | null = null;
  #authed = false;
  #joined = false;
  #wantJoin = false;
  #stopped = true;
  #connected = false;
  #reconnecting = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #attemptTimer: ReturnType<typeof setTimeout> | undefined;
  #authError: CollabKitError | null = null;
  #nextId = 1;
  #requests = new Map<number, Request>();
  #follows = new Set<FollowWaiter>();
  #queue: Frame[] = [];
  #connecting: (Waiter<void> & { promise: Promise<void> }) | null = null;
  /** The join frame in flight. */
  #join: { id: number; timer: ReturnType<typeof setTimeout> } | null = null;
  /** The app's `join()` calls waiting for a welcome (kept across a drop before it). */
  #joinWaiters: Pick<Waiter<void>, 'resolve' | 'reject'>[] = [];
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #heartbeatMs: number;
  #seen = 0;
  #colors = new Map<string, string>();
  #schemas: S | undefined;
  #stores: Store[];

  constructor(options: CollabKitClientOptions<S>) {
    if (!options?.serverUrl) throw new TypeError('CollabKitClient: serverUrl is required');
    if (!options.authToken) throw new TypeError('CollabKitClient: authToken is required');
    const base = options.serverUrl.replace(/\/+$/, '').replace(/^http/, 'ws');
    this.#url = `${base}/v1/connect?v=2`;
    this.#token = options.authToken;
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('CollabKitClient: no global WebSocket here; pass one as the WebSocket option (Node 20: the ws package)');
    this.#WS = WS;
    const r = options.reconnect ?? {};
    this.#maxAttempts = r.maxAttempts ?? 10;
    this.#initialDelay = r.initialDelayMs ?? 250;
    this.#maxDelay = r.maxDelayMs ?? 10_000;
    this.#timeout = options.timeoutMs ?? 10_000;
    this.#maxQueued = options.maxQueued ?? 100;
    this.#heartbeatMs = options.heartbeatMs ?? 10_000;
    const s = this.#socketEvents;
    this.socket = { on: s.on.bind(s), once: s.once.bind(s), off: s.off.bind(s) } as SocketEmitter;
    this.users = new Users(this);
    this.presence = new Presence(this);
    this.notifications = new Notifications(this);
    const schemas = options.stores && Object.keys(options.stores).length ? defineStores(options.stores) : undefined;
    this.#schemas = schemas;
    this.#stores = Object.keys(schemas ?? {}).map((name) => new Store(this, name, schemas![name]!));
    this.stores = Object.freeze(Object.fromEntries(this.#stores.map((s) => [s.name, s]))) as Stores<S>;
    this.room = {
      get: async ({ roomId }: { roomId?: string } = {}) => {
        const data = (await this._request('room.get', roomId ? { roomId } : {})) as RoomWithUsers;
        if (data.room.id === this.currentRoom?.id) {
          this.currentRoom = data.room;
          for (const u of data.users) this.users._upsert(u);
        }
        return data;
      },
    };
  }

  /** Whether the client is connected and authenticated now. */
  get connected(): boolean {
    return this.#authed;
  }

  /** Whether the client is a participant of the room now. */
  get joined(): boolean {
    return this.#joined;
  }

  /**
   * Opens the WebSocket and authenticates; resolves once the server accepted the token (then
   * `userId`, `currentUser` and `currentRoom` are set). Rejects with a `CollabKitError` (and
   * `socket` emits `authFailed`) when the token is refused.
   */
  connect(): Promise<void> {
    if (this.#authed || (this.#reconnecting && !this.#stopped)) return Promise.resolve();
    if (this.#connecting) return this.#connecting.promise;
    this.#stopped = false;
    this.#connected = false;
    this.#authError = null;
    let waiter!: Waiter<void>;
    const promise = new Promise<void>((resolve, reject) => {
      waiter = { resolve, reject, timer: undefined as never };
    });
    this.#connecting = { ...waiter, promise };
    this.#open();
    return promise;
  }

  /**
   * Joins the room: the others see `userJoined`, the current user is `online`. Resolves once
   * welcomed, with `users`, presence states and follows filled from the welcome and `users.all`
   * from `users.getAll`.
   */
  async join(): Promise<void> {
    if (this.#joined) return;
    if (!this.#authed && !this.#reconnecting) throw new CollabKitError('not_connected', 'join(): call connect() first');
    this.#wantJoin = true;
    await new Promise<void>((resolve, reject) => {
      this.#joinWaiters.push({ resolve, reject });
      // While reconnecting, the next authentication sends it.
      if (this.#authed && !this.#join) this.#sendJoin();
    });
  }

  /** Leaves the room at once and closes the socket; the client does not reconnect. */
  disconnect(): void {
    const ws = this.#ws;
    // A drop already told `disconnected`; a connected client tells it now.
    const wasOpen = this.#authed;
    this.#ws = null;
    if (ws) {
      this.#detach(ws);
      if (ws.readyState === OPEN) {
        if (this.#joined) ws.send(JSON.stringify({ type: 'leave' }));
        ws.close(1000, 'disconnect');
      } else ws.close();
    }
    this.#wantJoin = false;
    this.#stop(new CollabKitError('disconnected', 'the client disconnected'));
    if (this.currentUser) this.currentUser.status = 'offline';
    this.users.online.clear();
    this.presence._clearLocal();
    if (wasOpen) this.#socketEvents.emit('disconnected', { code: 1000, reason: 'disconnect' });
  }

  // ── internals shared with the modules ──────────────────────────────────────────────────

  /** @internal */
  get _joined(): boolean {
    return this.#joined;
  }

  /** @internal Sends now (the socket is joined). */
  _raw(frame: Frame): void {
    this.#ws?.send(JSON.stringify(frame));
  }

  /** @internal Sends a frame of a participant: now when joined, else queued while reconnecting. */
  _send(frame: Frame): void {
    if (this.#joined && this.#ws) return this._raw(frame);
    if (this.#stopped || !this.#wantJoin) throw new CollabKitError('not_joined', `${frame.type}: join() the room first`);
    if (this.#queue.length >= this.#maxQueued)
      throw new CollabKitError('queue_full', `${frame.type}: offline, and ${this.#maxQueued} frames already wait for the connection`);
    this.#queue.push(frame);
  }

  /**
   * @internal A request frame; sent again after a reconnect until answered or timed out.
   * `joined` (store writes and syncs): it needs the join, so it is sent once joined (queued
   * meanwhile, up to `maxQueued`) and asked again after each welcome.
   */
  _request(method: string, params: JsonObject, joined = false): Promise<unknown> {
    if (joined && (this.#stopped || !this.#wantJoin)) {
      return Promise.reject(new CollabKitError('not_joined', `${method}: join() the room first`));
    }
    if (this.#stopped) return Promise.reject(new CollabKitError('not_connected', `${method}: call connect() first`));
    if (joined && !this.#joined) {
      let waiting = 0;
      for (const r of this.#requests.values()) if (r.joined) waiting++;
      if (waiting >= this.#maxQueued) {
        return Promise.reject(new CollabKitError('queue_full', `${method}: offline, and ${this.#maxQueued} requests already wait for the connection`));
      }
    }
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      const frame = { type: 'request', id, method, params };
      const timer = setTimeout(() => {
        this.#requests.delete(id);
        reject(new CollabKitError('timeout', `${method}: no answer within ${this.#timeout} ms`));
      }, this.#timeout);
      this.#requests.set(id, { frame, resolve, reject, timer, joined });
      if (joined ? this.#joined : this.#authed) this._raw(frame);
    });
  }

  /** @internal */
  _follow(target: string, on: boolean): Promise<void> {
    const me = this.currentUser;
    if (!me) return Promise.reject(new CollabKitError('not_connected', 'follow(): call connect() first'));
    if (target === me.id) return Promise.reject(new CollabKitError('invalid_request', 'a user cannot follow themselves'));
    if (me.following.includes(target) === on) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: FollowWaiter = {
        target,
        on,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#follows.delete(waiter);
          reject(new CollabKitError('timeout', `${on ? 'follow' : 'unfollow'} ${target}: not confirmed within ${this.#timeout} ms`));
        }, this.#timeout),
      };
      this.#follows.add(waiter);
      try {
        this._send({ type: on ? 'follow' : 'unfollow', userId: target });
      } catch (e) {
        clearTimeout(waiter.timer);
        this.#follows.delete(waiter);
        reject(e as Error);
      }
    });
  }

  // ── the socket ─────────────────────────────────────────────────────────────────────────

  #open(): void {
    let ws: WebSocketLike;
    try {
      ws = new this.#WS(this.#url);
    } catch (e) {
      this.#stop(new CollabKitError('connect_failed', `could not open ${this.#url}: ${(e as Error).message}`));
      return;
    }
    this.#ws = ws;
    this.#authed = this.#joined = false;
    this.#authError = null;
    clearTimeout(this.#attemptTimer);
    // An attempt that is not authenticated (and joined, when it should be) in time is dropped.
    this.#attemptTimer = setTimeout(() => {
      if (this.#ws !== ws) return;
      this.#detach(ws);
      ws.close();
      this.#closed(ws, 4000, 'timed out');
    }, this.#timeout);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: this.#token }));
    ws.onmessage = (ev: { data: unknown }) => {
      if (this.#ws !== ws) return;
      this.#seen = Date.now();
      let frame: Frame;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (frame && typeof frame.type === 'string') this.#frame(frame);
    };
    ws.onclose = (ev: { code: number; reason: string }) => this.#closed(ws, ev.code, ev.reason);
    ws.onerror = () => {};
  }

  #detach(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = () => {};
  }

  #closed(ws: WebSocketLike, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    clearTimeout(this.#attemptTimer);
    clearInterval(this.#heartbeat);
    if (this.#join) clearTimeout(this.#join.timer);
    this.#join = null;
    const wasJoined = this.#joined;
    this.#authed = this.#joined = false;
    if (this.#stopped) return;
    const refused = this.#authError;
    // Too many connections (4029) is no verdict on the token: retried later, or rejected below.
    if (code === 4401 || (refused && refused.code !== 'too_many_connections')) {
      const error = refused ?? new CollabKitError('invalid_token', reason || 'authentication failed');
      this.#stop(error);
      this.#socketEvents.emit('authFailed', error);
      return;
    }
    if (!this.#connected) {
      this.#stop(refused ?? new CollabKitError('connect_failed', `could not connect to ${this.#url} (close ${code}${reason ? `: ${reason}` : ''})`));
      return;
    }
    if (code === 4001 || code === 1000) {
      // Removed (the user or the room was deleted), or closed normally by the server: stay closed.
      this.#wantJoin = false;
      this.#stop(new CollabKitError(code === 4001 ? 'removed' : 'closed', reason || `closed by the server (${code})`));
      if (this.currentUser) this.currentUser.status = 'offline';
      this.#socketEvents.emit('disconnected', { code, reason });
      return;
    }
    if (!this.#reconnecting) {
      this.#reconnecting = true;
      this.#attempt = 0;
      if (wasJoined && this.currentUser) this.currentUser.status = 'offline';
      this.#socketEvents.emit('disconnected', { code, reason });
    }
    this.#retry(code === 4029);
  }

  #retry(later: boolean): void {
    if (this.#attempt >= this.#maxAttempts) {
      this.#stop(new CollabKitError('reconnect_failed', `could not reconnect after ${this.#maxAttempts} attempts`));
      this.#socketEvents.emit('failed');
      return;
    }
    const n = this.#attempt++;
    const ceiling = Math.min(this.#maxDelay, this.#initialDelay * 2 ** Math.max(n, later ? 1 : 0));
    const delay = n === 0 && !later ? 0 : Math.random() * ceiling;
    this.#retryTimer = setTimeout(() => {
      if (this.#stopped) return;
      this.#socketEvents.emit('reconnecting', { attempt: n + 1 });
      this.#open();
    }, delay);
  }

  /** Ends everything in flight with `error`; no reconnecting after it. */
  #stop(error: CollabKitError): void {
    this.#stopped = true;
    this.#reconnecting = false;
    this.#authed = this.#joined = false;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#attemptTimer);
    const ws = this.#ws;
    if (ws) {
      this.#ws = null;
      this.#detach(ws);
      ws.close();
    }
    this.#connecting?.reject(error);
    this.#connecting = null;
    clearInterval(this.#heartbeat);
    if (this.#join) clearTimeout(this.#join.timer);
    this.#join = null;
    this.#rejectJoins(error);
    for (const r of this.#requests.values()) {
      clearTimeout(r.timer);
      r.reject(error);
    }
    this.#requests.clear();
    for (const f of this.#follows) {
      clearTimeout(f.timer);
      f.reject(error);
    }
    this.#follows.clear();
    this.#queue = [];
    for (const store of this.#stores) store._stopped();
    // Nobody's presence is known any more.
    for (const id of this.presence._ids()) this.presence._set(id, null, undefined);
    this.presence._reset();
  }

  #sendJoin(): void {
    const id = this.#nextId++;
    const timer = setTimeout(() => {
      if (this.#join?.id !== id) return;
      this.#join = null;
      if (this.#reconnecting) return this.#drop();
      this.#wantJoin = false;
      this.#rejectJoins(new CollabKitError('timeout', `join: no welcome within ${this.#timeout} ms`));
    }, this.#timeout);
    this.#join = { id, timer };
    this._raw(this.#schemas ? { type: 'join', id, stores: this.#schemas } : { type: 'join', id });
  }

  #rejectJoins(error: Error): void {
    const waiters = this.#joinWaiters;
    this.#joinWaiters = [];
    for (const w of waiters) w.reject(error);
  }

  // ── frames ─────────────────────────────────────────────────────────────────────────────

  #frame(f: Frame): void {
    switch (f.type) {
      case 'authenticated':
        return this.#authenticated(f);
      case 'auth_failed':
        this.#authError = new CollabKitError(String(f.code ?? 'invalid_token'), String(f.message ?? 'authentication failed'));
        return;
      case 'welcome':
        if (this.#join && (f.id === undefined || f.id === this.#join.id)) void this.#welcome(f);
        return;
      case 'response': {
        const r = this.#requests.get(f.id);
        if (!r) return;
        this.#requests.delete(f.id);
        clearTimeout(r.timer);
        if (f.error) r.reject(new CollabKitError(f.error.code, f.error.message));
        else r.resolve(f.data);
        return;
      }
      case 'error': {
        const error = new CollabKitError(String(f.code), String(f.message ?? f.code));
        const join = this.#join;
        if (f.id !== undefined && join && join.id === f.id) {
          this.#join = null;
          clearTimeout(join.timer);
          if (this.#reconnecting) {
            // A re-join refused (the room is full, say): try again later.
            this.#drop();
          } else {
            this.#wantJoin = false;
            this.#rejectJoins(error);
          }
          return;
        }
        const r = f.id !== undefined ? this.#requests.get(f.id) : undefined;
        if (r) {
          this.#requests.delete(f.id);
          clearTimeout(r.timer);
          r.reject(error);
          return;
        }
        this.#socketEvents.emit('error', error);
        return;
      }
    }
    if (!this.#joined) return;
    switch (f.type) {
      case 'participant_joined': {
        const user = this.#participant(f.user, f.color);
        if (user.id === this.userId) return;
        const isNew = !this.users.online.has(user.id);
        this.users.online.set(user.id, user);
        user.status = 'online';
        if (isNew) this.users._emit('userJoined', user);
        user._changed();
        this.presence._set(user.id, f.presence, f.color ?? this.#colors.get(user.id));
        return;
      }
      case 'participant_left': {
        const user = this.users._upsert(f.user);
        if (user.id === this.userId) return;
        const was = this.users.online.delete(user.id);
        user.status = 'offline';
        // The user left: `null` for them, even when they had no presence.
        if (!this.presence._set(user.id, null, undefined)) this.presence._emit(user.id, null);
        if (was) this.users._emit('userLeft', user);
        user._changed();
        return;
      }
      case 'presence': {
        if (f.userId === this.userId) return;
        if (f.color) this.#colors.set(f.userId, f.color);
        this.presence._set(f.userId, f.presence, f.color ?? this.#colors.get(f.userId));
        return;
      }
      case 'broadcast':
        this.notifications._emit(String(f.event ?? 'message'), f.data, f.userId);
        return;
      case 'follow':
        return this.#followFrame(f.followerId, f.userId, f.following !== false);
      case 'user_created':
        this.users._emit('userCreated', this.users._upsert(f.user));
        return;
      case 'user_updated': {
        const user = this.users._upsert(f.user);
        this.users._emit('userUpdated', user);
        user._changed();
        return;
      }
      case 'user_deleted':
        return this.#deleted(this.users._upsert(f.user));
      case 'store_changed':
        return this.#stores.find((s) => s.name === f.store)?._changed(f as never);
    }
  }

  #authenticated(f: Frame): void {
    this.#authed = true;
    this.userId = f.user.id;
    this.currentRoom = f.room;
    if (f.user.color) this.#colors.set(f.user.id, f.user.color);
    this.currentUser = this.users._upsert(f.user);
    // Requests asked before (or during) a drop are asked again on the new socket.
    for (const r of this.#requests.values()) if (!r.joined) this._raw(r.frame);
    this.#startHeartbeat();
    if (this.#wantJoin && (this.#reconnecting || this.#joinWaiters.length)) {
      this.#sendJoin();
      return;
    }
    this.#ready();
    if (!this.#connected) {
      this.#connected = true;
      this.#connecting?.resolve();
      this.#connecting = null;
      this.#socketEvents.emit('connected');
    }
  }

  /** The socket is usable as the app wants it (authenticated, and joined if it joined). */
  #ready(): void {
    clearTimeout(this.#attemptTimer);
    if (this.#reconnecting) {
      this.#reconnecting = false;
      this.#attempt = 0;
      this.#socketEvents.emit('reconnected');
    }
  }

  /**
   * While authenticated: a ping when nothing came for `heartbeatMs`, and the socket counted as
   * dropped when nothing came for twice that (a network that swallows packets closes nothing).
   */
  #startHeartbeat(): void {
    clearInterval(this.#heartbeat);
    const ms = this.#heartbeatMs;
    if (!(ms > 0)) return;
    this.#seen = Date.now();
    this.#heartbeat = setInterval(() => {
      const idle = Date.now() - this.#seen;
      if (idle >= 2 * ms) this.#drop();
      else if (idle >= ms) this._raw({ type: 'ping' });
    }, ms / 2);
  }

  /** Closes the current socket as if it had dropped: the next attempt follows. */
  #drop(): void {
    const ws = this.#ws;
    if (!ws) return;
    this.#detach(ws);
    ws.close();
    this.#closed(ws, 4000, 'dropped');
  }

  #participant(data: CollabKitUserData, color: string | undefined): CollabKitUser {
    const user = this.users._upsert(color ? { ...data, color } : data);
    if (color) this.#colors.set(user.id, color);
    return user;
  }

  async #welcome(f: Frame): Promise<void> {
    const ws = this.#ws;
    clearTimeout(this.#join!.timer);
    this.#join = null;
    const rejoin = this.#reconnecting;
    const firstJoin = !rejoin;
    this.#joined = true;
    if (f.room) this.currentRoom = f.room;
    const me = this.#participant(f.user, f.color);
    me.status = 'online';
    this.currentUser = me;

    // Who is online now, and what changed since the last state known.
    const before = new Set(this.users.online.keys());
    const now = new Map<string, CollabKitUser>([[me.id, me]]);
    const presences: [string, JsonObject | null, string | undefined][] = [];
    for (const p of (f.participants ?? []) as { user: CollabKitUserData; presence: JsonObject | null; color?: string }[]) {
      const user = this.#participant(p.user, p.color);
      user.status = 'online';
      now.set(user.id, user);
      presences.push([user.id, p.presence, p.color ?? this.#colors.get(user.id)]);
    }
    this.users.online.clear();
    for (const [id, user] of now) this.users.online.set(id, user);

    // Follows: the welcome lists every follow of the room.
    for (const user of this.users.all.values()) {
      user.following = [];
      user.followers = [];
    }
    for (const { followerId, userId } of (f.follows ?? []) as { followerId: string; userId: string }[]) {
      this.users.all.get(followerId)?.following.push(userId);
      this.users.all.get(userId)?.followers.push(followerId);
    }
    this.#settleFollows();

    // Presence: only real changes are told.
    const seen = new Set<string>();
    for (const [id, presence, color] of presences) {
      seen.add(id);
      this.presence._set(id, presence, color);
    }
    for (const id of this.presence._ids()) if (!seen.has(id)) this.presence._set(id, null, undefined);

    for (const [id, user] of now) {
      if (id !== me.id && !before.has(id) && !firstJoin) this.users._emit('userJoined', user);
    }
    for (const id of before) {
      const user = this.users.all.get(id);
      if (id !== me.id && !now.has(id) && user) {
        user.status = 'offline';
        this.users._emit('userLeft', user);
      }
    }

    // What waited for the connection goes out now: the latest presence, then the queue.
    this.presence._joined();
    const queued = this.#queue;
    this.#queue = [];
    for (const frame of queued) this._raw(frame);
    // Store writes and syncs waiting for the join, or unanswered when the last socket dropped
    // (asked again: see the README), then what each synced store missed meanwhile.
    for (const r of this.#requests.values()) if (r.joined) this._raw(r.frame);
    for (const store of this.#stores) store._rejoined();

    const known = new Set(this.users.all.keys());
    try {
      const all = await this.users.getAll();
      if (rejoin && all.length < 1000) {
        const ids = new Set(all.map((u) => u.id));
        for (const u of all) if (!known.has(u.id)) this.users._emit('userCreated', u);
        for (const id of known) {
          const user = this.users.all.get(id);
          if (user && !ids.has(id)) this.#deleted(user);
        }
      }
    } catch {
      // `users.all` stays as the welcome left it; the next welcome refreshes it.
    }
    // Dropped meanwhile: the next welcome finishes the job.
    if (!this.#joined || this.#ws !== ws) return;
    const waiters = this.#joinWaiters;
    this.#joinWaiters = [];
    for (const w of waiters) w.resolve();
    this.#ready();
  }

  #deleted(user: CollabKitUser): void {
    this.users.all.delete(user.id);
    if (this.users.online.delete(user.id)) this.users._emit('userLeft', user);
    this.presence._set(user.id, null, undefined);
    for (const other of this.users.all.values()) {
      remove(other.following, user.id);
      remove(other.followers, user.id);
    }
    this.users._emit('userDeleted', user);
  }

  #followFrame(followerId: string, userId: string, following: boolean): void {
    const follower = this.users.all.get(followerId);
    const followed = this.users.all.get(userId);
    if (follower) {
      remove(follower.following, userId);
      if (following) follower.following.push(userId);
      follower._changed();
    }
    if (followed) {
      remove(followed.followers, followerId);
      if (following) followed.followers.push(followerId);
      followed._changed();
    }
    if (followerId === this.userId && following) this.presence._followed(userId);
    this.#settleFollows();
  }

  /** Resolves the current user's follow()/unfollow() calls the state now confirms. */
  #settleFollows(): void {
    const me = this.currentUser;
    if (!me) return;
    for (const w of this.#follows) {
      if (me.following.includes(w.target) === w.on) {
        clearTimeout(w.timer);
        this.#follows.delete(w);
        w.resolve();
      }
    }
  }
}

export type { BroadcastListener };
