/** The types the SDK's public surface is written in (snake_case, as the server's resources). */
import type { StoreSchemas } from './schema.js';

/** A room, as the server sends it (`CollabKitRoom`). */
export interface CollabKitRoomData {
  id: string;
  account_id: string;
  name: string;
  custom_id: string | null;
  created_at: string;
  state: string;
  duration_seconds: number;
  active_participants: number;
  total_users_created: number;
  [field: string]: unknown;
}

/** A user of the room, as the server sends it: the webhook user's fields plus follows and colour. */
export interface CollabKitUserData {
  id: string;
  room_id: string;
  name: string;
  profile_picture: string | null;
  custom_id: string | null;
  status: 'online' | 'offline';
  created_at: string;
  joined_at: string | null;
  left_at: string | null;
  following?: string[];
  followers?: string[];
  color?: string;
}

/** Any JSON object: what a presence or a broadcast's data is. */
export type JsonObject = { [key: string]: unknown };

/**
 * Another user's presence as `presence.sync` and `getStates` give it: what that user set, with
 * the user's colour in the room (`#rrggbb`, assigned by the server) merged in as `color`;
 * `null` when the user left or cleared it.
 */
export type PresenceState = ({ [key: string]: unknown } & { color: string }) | null;

/** What a `presence.sync` callback is called with. */
export interface PresenceEvent {
  userId: string;
  state: PresenceState;
}

/** The second argument of a `notifications.on` callback: who sent it. */
export interface BroadcastMeta {
  userId: string;
  event: string;
}

/** How `reconnect` behaves: full-jitter exponential backoff. */
export interface ReconnectOptions {
  /** Attempts after a drop before `failed` (default 10). */
  maxAttempts?: number;
  /** The backoff's base (default 250 ms): attempt n > 1 waits random(0, min(max, initial·2ⁿ⁻¹)). */
  initialDelayMs?: number;
  /** The backoff's cap (default 10 000 ms). */
  maxDelayMs?: number;
}

/** What the SDK needs of a WebSocket: the browser's, or the `ws` package's in Node. */
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: any) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
}

/** A WebSocket class: `new (url) => WebSocketLike`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface CollabKitClientOptions<S extends StoreSchemas = StoreSchemas> {
  /** The server's http(s) base URL, e.g. `https://collab.example.com`. */
  serverUrl: string;
  /** The user's token (`token` of `POST /users`). */
  authToken: string;
  /**
   * The room's stores this client uses, with their schemas (`defineStores`, of this package or
   * of `@collab-kit/utils`): `client.stores.<name>`. Sent in the join; the server checks this
   * connection's writes against them.
   */
  stores?: S;
  reconnect?: ReconnectOptions;
  /** The WebSocket class; defaults to the global one (browsers, Node 22+). In Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** How long a request (`room.get`, `users.*`, a store operation), a join or a follow may wait for its answer (default 10 000 ms). */
  timeoutMs?: number;
  /** Frames kept while offline (broadcasts, follows), and store writes waiting for the join; one more throws or rejects `queue_full` (default 100). */
  maxQueued?: number;
  /**
   * Liveness: a `ping` when the server sent nothing for this long, and the socket counted as
   * dropped (then reconnected) when nothing came for twice this (default 10 000 ms; 0: off).
   */
  heartbeatMs?: number;
}

/** The connection's events (`client.socket.on`). */
export interface SocketEvents {
  connected: () => void;
  disconnected: (info: { code: number; reason: string }) => void;
  reconnecting: (info: { attempt: number }) => void;
  reconnected: () => void;
  failed: () => void;
  authFailed: (error: CollabKitError) => void;
  /** An `error` frame the server sent about something this client did, not tied to a promise. */
  error: (error: CollabKitError) => void;
}

/** An error from the server, or from the SDK, with a machine-readable `code`. */
export class CollabKitError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CollabKitError';
  }
}
