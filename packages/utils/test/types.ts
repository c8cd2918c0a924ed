// Compiled with `tsc --noEmit` by `npm test`: the payload union narrows on `event`, and the
// types are what a handler is written against.
import { verifyWebhook, type WebhookPayload, type WebhookRegistrationPublic } from '../src/index.js';

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
      return `${payload.user.name} in ${payload.room.name} (${payload.user.profile_picture ?? 'no picture'})`;
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
