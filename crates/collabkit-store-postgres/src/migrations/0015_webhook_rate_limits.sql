-- A registration's delivery rate limit (`/webhooks/{id}/rate-limit`): deliveries per second,
-- and the next free time of its schedule of send times, which every node reserves from (NULL
-- until first used; see the domain's rules::pace). Only registrations with a limit have a row.
CREATE TABLE webhook_rate_limits (
    webhook_id TEXT PRIMARY KEY REFERENCES webhooks(id) ON DELETE CASCADE,
    per_second INTEGER NOT NULL,
    next_free  TIMESTAMPTZ
);
