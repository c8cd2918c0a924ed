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

/** A room (provisional copy of MODEL's definition, replaced at merge). */
export interface CollabKitRoom {
  id: string;
  account_id: string;
  name: string;
  custom_id: string | null;
  created_at: string;
  state: 'active';
  duration_seconds: number;
  active_participants: number;
  total_users_created: number;
}

/** A user. */
export interface CollabKitUser {
  id: string;
  room_id: string;
  name: string;
  profile_picture: string | null;
  custom_id: string | null;
  status: 'online' | 'offline';
  created_at: string;
  joined_at: string | null;
  left_at: string | null;
  token: string;
}

/** A user object with the token field stripped. Used in webhook payloads. */
export type WebhookUser = Omit<CollabKitUser, 'token'>;

/** One participation of a user. */
export interface CollabKitUserSession {
  id: string;
  user_id: string;
  room_id: string;
  joined_at: string;
  left_at: string | null;
}

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
