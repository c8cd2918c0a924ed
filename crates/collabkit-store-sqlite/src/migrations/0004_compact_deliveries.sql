-- Deliveries and attempts with integer keys and one per-registration index.
--
-- Why: an event fanned out to N registrations writes one entry at the end of each
-- registration's range in every index that starts with the registration, so each such index
-- costs N dirty pages per commit — that was most of what a fan-out commit wrote to the WAL.
-- Now one index (`deliveries_log`) serves the whole delivery log, including the event filter,
-- and the `pending`/`failed` filters use partial indexes that stay small (pending rows are the
-- in-flight ones; failed rows are rare). Integer keys (registration seq, event seq, event code)
-- instead of 31-character ids make rows and index entries about four times smaller.
--
-- Existing rows are copied with their ids, so links to them keep working.

DROP INDEX deliveries_due;
DROP INDEX deliveries_by_webhook;
DROP INDEX deliveries_pending_by_webhook;
DROP INDEX deliveries_failed_by_webhook;
DROP INDEX deliveries_by_webhook_event;
DROP INDEX deliveries_by_event;
DROP INDEX attempts_by_delivery;
ALTER TABLE attempts RENAME TO attempts_v2;
ALTER TABLE deliveries RENAME TO deliveries_v2;

CREATE TABLE deliveries (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    webhook_seq      INTEGER NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    -- The event's `events.seq` (its payload is read from there).
    event_seq        INTEGER NOT NULL,
    -- Position of the event name in WebhookEventName::ALL (the order of `events_mask` bits).
    event_code       INTEGER NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- Attempts since the schedule last started (a manual retry starts it again).
    cycle_attempts   INTEGER NOT NULL DEFAULT 0,
    last_attempt_at  TEXT,
    next_retry_at    TEXT,
    status_code      INTEGER,
    created_at       TEXT NOT NULL,
    -- While pending: when a worker may take it. A claim moves it to the lease's end, so an
    -- attempt lost in a crash becomes due again by itself.
    due_at           TEXT,
    -- The claim that holds it; results of an older claim do not change its state.
    lease            INTEGER
);
-- What is due, in order; with the registration, so a claim's fairness window (how many of each
-- registration it takes) is read from the index alone.
CREATE INDEX deliveries_due ON deliveries(due_at, webhook_seq) WHERE status = 'pending';
-- The log of one registration, newest first: per event name, merged by the query (so the
-- event filter needs no second index of the same size).
CREATE INDEX deliveries_log ON deliveries(webhook_seq, event_code, seq);
CREATE INDEX deliveries_pending_log ON deliveries(webhook_seq, event_code, seq) WHERE status = 'pending';
CREATE INDEX deliveries_failed_log ON deliveries(webhook_seq, event_code, seq) WHERE status = 'failed';

CREATE TABLE attempts (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_seq   INTEGER NOT NULL REFERENCES deliveries(seq) ON DELETE CASCADE,
    attempted_at   TEXT NOT NULL,
    status_code    INTEGER,
    duration_ms    INTEGER NOT NULL,
    error          TEXT,
    response_body  TEXT NOT NULL
);
CREATE INDEX attempts_by_delivery ON attempts(delivery_seq, seq);

INSERT INTO deliveries (seq, id, webhook_seq, event_seq, event_code, status, attempts,
                        cycle_attempts, last_attempt_at, next_retry_at, status_code, created_at,
                        due_at, lease)
SELECT d.seq, d.id, w.seq, e.seq,
       CASE d.event
           WHEN 'participant.joined' THEN 0
           WHEN 'participant.left' THEN 1
           WHEN 'session.started' THEN 2
           WHEN 'session.closed' THEN 3
           WHEN 'user.created' THEN 4
           WHEN 'user.updated' THEN 5
           WHEN 'user.deleted' THEN 6
       END,
       d.status, d.attempts, d.cycle_attempts, d.last_attempt_at, d.next_retry_at,
       d.status_code, d.created_at, d.due_at, d.lease
FROM deliveries_v2 d
JOIN webhooks w ON w.id = d.webhook_id
JOIN events e ON e.id = d.event_id
ORDER BY d.seq;

INSERT INTO attempts (seq, delivery_seq, attempted_at, status_code, duration_ms, error, response_body)
SELECT a.seq, d.seq, a.attempted_at, a.status_code, a.duration_ms, a.error, a.response_body
FROM attempts_v2 a
JOIN deliveries_v2 d ON d.id = a.delivery_id
ORDER BY a.seq;

DROP TABLE attempts_v2;
DROP TABLE deliveries_v2;
