-- Webhook registrations, their deliveries (one per matching registration and event) and the
-- attempt log.
CREATE TABLE webhooks (
    seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
    id                       TEXT NOT NULL UNIQUE,
    account_id               TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url                      TEXT NOT NULL,
    -- Bit i set = subscribed to WebhookEventName::ALL[i].
    events_mask              INTEGER NOT NULL,
    room_id                  TEXT REFERENCES rooms(id) ON DELETE CASCADE,
    enabled                  INTEGER NOT NULL,
    -- Signing secrets, sealed with the server key (never stored in clear).
    secret_sealed            TEXT NOT NULL,
    previous_secret_sealed   TEXT,
    previous_secret_until    TEXT,
    -- First failed attempt since the last success; NULL while healthy.
    failing_since            TEXT,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL
);
CREATE INDEX webhooks_by_account ON webhooks(account_id, seq);
CREATE INDEX webhooks_matching ON webhooks(account_id, enabled);

CREATE TABLE deliveries (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    account_id       TEXT NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event            TEXT NOT NULL,
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
CREATE INDEX deliveries_due ON deliveries(due_at) WHERE status = 'pending';
-- The log of one registration, newest first, and its filters. An event fanned out to N
-- registrations touches one page per registration in each of these, so they are kept few:
-- `pending` and `failed` rows are few and get small partial indexes; `success`, the bulk, is
-- read through `deliveries_by_webhook`.
CREATE INDEX deliveries_by_webhook ON deliveries(webhook_id, seq);
CREATE INDEX deliveries_pending_by_webhook ON deliveries(webhook_id, seq) WHERE status = 'pending';
CREATE INDEX deliveries_failed_by_webhook ON deliveries(webhook_id, seq) WHERE status = 'failed';
CREATE INDEX deliveries_by_webhook_event ON deliveries(webhook_id, event, seq);
CREATE INDEX deliveries_by_event ON deliveries(event_id);

CREATE TABLE attempts (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id    TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempted_at   TEXT NOT NULL,
    status_code    INTEGER,
    duration_ms    INTEGER NOT NULL,
    error          TEXT,
    response_body  TEXT NOT NULL
);
CREATE INDEX attempts_by_delivery ON attempts(delivery_id, seq);

CREATE INDEX events_by_created ON events(created_at);
