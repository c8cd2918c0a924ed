// A minimal CollabKit webhook receiver on node:http: verifies each delivery's signature,
// ignores the ones it has already seen (deliveries are at least once), answers at once and
// does the work after.
//
//   npm install @collab-kit/utils      (here: npm install ../../packages/utils)
//   COLLABKIT_WEBHOOK_SECRET=whsec_… node server.mjs
import { createServer } from 'node:http';
import { verifyWebhook, WebhookVerificationError } from '@collab-kit/utils';

export function receiver(secret, handle) {
  const seen = new Set(); // a real app keeps these in its database
  return createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let payload;
      try {
        payload = verifyWebhook(secret, req.headers, Buffer.concat(chunks));
      } catch (e) {
        res.writeHead(e instanceof WebhookVerificationError ? 400 : 500).end();
        return;
      }
      const id = req.headers['webhook-id'];
      res.writeHead(204).end(); // answer first
      if (!seen.has(id)) {
        seen.add(id);
        setImmediate(() => handle(payload));
      }
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secret = process.env.COLLABKIT_WEBHOOK_SECRET;
  // A payload's room and user are as of the event (its counters included).
  receiver(secret, (payload) => {
    if (payload.event === 'session.closed')
      console.log(`${payload.users.length} took part; ${payload.room.duration_seconds} s in session so far`);
    else if (payload.event === 'participant.joined')
      console.log(`${payload.user.name} joined ${payload.room.name} (${payload.room.active_participants} participating)`);
    else console.log(payload.event, payload.id);
  }).listen(3000, () => console.log('receiving webhooks on http://127.0.0.1:3000/'));
}
