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

/** A room. */
export interface CollabKitRoom {
  id: string;
  customId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** A user; `token` is the user's secret for the realtime connection. */
export interface CollabKitUser {
  id: string;
  roomId: string;
  customId: string;
  name: string;
  profilePicture: string | null;
  token: string;
  createdAt: string;
  updatedAt: string;
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
