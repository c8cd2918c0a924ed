// Compiled with `tsc --noEmit` by `npm test`: the payload union narrows on `event`, and the
// types are what a handler is written against.
import {
  ERROR_STATUS,
  isServerFailure,
  verifyWebhook,
  type CollabKitRoom,
  type CollabKitUser,
  type ErrorCode,
  type PageInfo,
  type ServerResponse,
  type WebhookPayload,
  type WebhookRegistrationPublic,
  type WebhookUser,
} from '../src/index.js';

export function describe(payload: WebhookPayload): string {
  switch (payload.event) {
    case 'session.started':
      // @ts-expect-error a session.started payload has no user
      return payload.user.name;
    case 'session.closed':
      return payload.users.map((u) => u.name).join(', ');
    case 'participant.joined':
    case 'participant.left':
    case 'user.created':
    case 'user.updated':
    case 'user.deleted':
      return `${payload.user.name} in ${payload.room.name} (${payload.user.profile_picture ?? 'no picture'}, ${payload.user.status})`;
  }
}

export function handler(secret: string, headers: Headers, body: string): string {
  return describe(verifyWebhook(secret, headers, body));
}

export const registration: WebhookRegistrationPublic = {
  id: 'wh_1',
  organization_id: 'acct_1',
  url: 'https://example.com/hooks',
  events: ['user.created'],
  room_id: null,
  enabled: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  // @ts-expect-error the public registration has no secret
  secret: 'whsec_x',
};

// @ts-expect-error a user in a payload carries no token
export const tokenOf = (u: WebhookUser): string => u.token;

// A third-party app backend, as written against the public docs: find-or-create a room by its
// customId, reading `data.data.room`, and a user's token at `data.data.user.token`.
export async function findOrCreate(api: string, auth: string, customId: string): Promise<string> {
  const headers = { authorization: auth, 'content-type': 'application/json' };
  let res = await fetch(`${api}/rooms/custom/${encodeURIComponent(customId)}`, { headers });
  if (res.status === 404) {
    const body = (await res.json()) as ServerResponse<Record<string, never>>;
    const code: ErrorCode | undefined = body.error?.code;
    if (code !== 'NOT_FOUND') throw new Error(body.error?.reason);
    res = await fetch(`${api}/rooms`, { method: 'POST', headers, body: JSON.stringify({ name: customId, customId }) });
  }
  const room = ((await res.json()) as ServerResponse<{ room: CollabKitRoom }>).data.room;
  const created = (await (
    await fetch(`${api}/users`, { method: 'POST', headers, body: JSON.stringify({ name: 'Ann', roomId: room.id }) })
  ).json()) as ServerResponse<{ user: CollabKitUser; token: string }>;
  if (isServerFailure(created)) {
    // Narrowed: the error is there, with its status.
    return `${created.error.module} ${created.error.code} (${ERROR_STATUS[created.error.code]}): ${created.error.message}`;
  }
  return `${room.active_participants} ${room.duration_seconds} ${created.data.user.token}`;
}

export const page: PageInfo = { total: 1, limit: 50, offset: 0 };

export const failure: ServerResponse<Record<string, never>> = {
  type: 'response',
  success: false,
  description: 'Room not found',
  data: {},
  // @ts-expect-error codes are the UPPER_CASE ones; the snake_case cause is `reason`
  error: { module: 'Rooms', code: 'not_found', message: 'room not found', reason: 'not_found' },
  requestId: 'req_1',
};
