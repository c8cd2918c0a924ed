-- Delivery alerts (issue 25, item 2).
-- The account's alert destination: one per account, with its own sealed secret.
CREATE TABLE alert_destinations (
    account_id             TEXT PRIMARY KEY,
    url                    TEXT NOT NULL,
    failure_threshold      INTEGER NOT NULL,
    secret_sealed          TEXT NOT NULL,
    previous_secret_sealed TEXT,
    previous_secret_until  TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
) WITHOUT ROWID;
-- What the alert rules remember of a registration between outcome batches; no row: nothing
-- (healthy, no alert owed). Kept apart from `webhooks` so the hot path only touches it while
-- an account has a destination.
CREATE TABLE alert_health (
    webhook_id           TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL,
    failing_alerted      INTEGER NOT NULL,
    owes_recovery        INTEGER NOT NULL
) WITHOUT ROWID;
-- The alerts: stored with the change that caused them, sent by the alert sender. `due_at` is
-- set while pending (the lease's end while one is held); `sent_at` when the rate limit let it
-- through (NULL and `suppressed`: held back).
CREATE TABLE alerts (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    webhook_id      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    next_retry_at   TEXT,
    status_code     INTEGER,
    error           TEXT,
    due_at          TEXT,
    lease           INTEGER,
    sent_at         TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX alerts_by_account ON alerts(account_id, seq);
CREATE INDEX alerts_due ON alerts(due_at) WHERE due_at IS NOT NULL;
CREATE INDEX alerts_sent ON alerts(account_id, sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX alerts_sent_by_kind ON alerts(webhook_id, kind, sent_at) WHERE sent_at IS NOT NULL;
CREATE TABLE alert_attempts (
    alert_seq     INTEGER NOT NULL,
    attempted_at  TEXT NOT NULL,
    status_code   INTEGER,
    duration_ms   INTEGER NOT NULL,
    error         TEXT,
    response_body TEXT NOT NULL
);
CREATE INDEX alert_attempts_by_alert ON alert_attempts(alert_seq);
