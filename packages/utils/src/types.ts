/** The seven webhook events. */
export type WebhookEventName =
  | 'participant.joined'
  | 'participant.left'
  | 'session.started'
  | 'session.closed'
  | 'user.created'
  | 'user.updated'
  | 'user.deleted';

/** Every event name, in the order the server documents them. */
export const WEBHOOK_EVENT_NAMES: readonly WebhookEventName[] = [
  'participant.joined',
  'participant.left',
  'session.started',
  'session.closed',
  'user.created',
  'user.updated',
  'user.deleted',
];

/** A room's state: an existing room is always `active`. */
export type RoomState = 'active';

/** A room, as of the moment it was read (or of the event that carries it). */
export interface CollabKitRoom {
  id: string;
  account_id: string;
  name: string;
  custom_id: string | null;
  created_at: string;
  state: RoomState;
  /** The summed length of the room's sessions, the live one up to that moment. */
  duration_seconds: number;
  /** Users participating at that moment. */
  active_participants: number;
  /** Users ever created in the room. */
  total_users_created: number;
}

/** Whether a user takes part in their room's live session. */
export type UserStatus = 'online' | 'offline';

/** A user; `token` is the user's secret for the realtime connection. */
export interface CollabKitUser {
  id: string;
  room_id: string;
  name: string;
  profile_picture: string | null;
  custom_id: string | null;
  status: UserStatus;
  created_at: string;
  /** The last time the user went online; null until they first join. */
  joined_at: string | null;
  /** The last time the user went offline; null until they first leave. */
  left_at: string | null;
  token: string;
}

/** One participation of a user in their room's live sessions; `left_at` is null while it lasts. */
export interface CollabKitUserSession {
  id: string;
  user_id: string;
  room_id: string;
  joined_at: string;
  left_at: string | null;
}

/** A user object with the token field stripped. Used in webhook payloads. */
export type WebhookUser = Omit<CollabKitUser, 'token'>;

/** A webhook registration including the signing secret. Only returned at creation time. */
export interface WebhookRegistration {
  id: string;
  organization_id: string;
  url: string;
  secret: string;
  events: WebhookEventName[];
  room_id: string | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

/** A webhook registration without the secret. Returned by list, get, and update endpoints. */
export type WebhookRegistrationPublic = Omit<WebhookRegistration, 'secret'>;

interface PayloadBase<E extends WebhookEventName> {
  id: string;
  event: E;
  timestamp: string;
  room: CollabKitRoom;
}

export interface ParticipantJoinedPayload extends PayloadBase<'participant.joined'> {
  user: WebhookUser;
}
export interface ParticipantLeftPayload extends PayloadBase<'participant.left'> {
  user: WebhookUser;
}
export type SessionStartedPayload = PayloadBase<'session.started'>;
export interface SessionClosedPayload extends PayloadBase<'session.closed'> {
  /** Everyone who joined during the session. */
  users: WebhookUser[];
}
export interface UserCreatedPayload extends PayloadBase<'user.created'> {
  user: WebhookUser;
}
export interface UserUpdatedPayload extends PayloadBase<'user.updated'> {
  user: WebhookUser;
}
export interface UserDeletedPayload extends PayloadBase<'user.deleted'> {
  user: WebhookUser;
}

/** Union of all webhook payload types; narrows on `event`. */
export type WebhookPayload =
  | ParticipantJoinedPayload
  | ParticipantLeftPayload
  | SessionStartedPayload
  | SessionClosedPayload
  | UserCreatedPayload
  | UserUpdatedPayload
  | UserDeletedPayload;
