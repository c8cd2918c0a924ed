-- Delivery alerts (issue 25, item 2); see the SQLite migration 0020, which this mirrors.
CREATE TABLE alert_destinations (
    account_id             TEXT PRIMARY KEY,
    url                    TEXT NOT NULL,
    failure_threshold      INTEGER NOT NULL,
    secret_sealed          TEXT NOT NULL,
    previous_secret_sealed TEXT,
    previous_secret_until  TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
-- What the alert rules remember of a registration between batches; no row: nothing.
CREATE TABLE alert_health (
    webhook_id           TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL,
    failing_alerted      BOOLEAN NOT NULL,
    owes_recovery        BOOLEAN NOT NULL
);
CREATE TABLE alerts (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    webhook_id      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TIMESTAMPTZ,
    next_retry_at   TIMESTAMPTZ,
    status_code     INTEGER,
    error           TEXT,
    due_at          TIMESTAMPTZ,
    lease           BIGINT,
    sent_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX alerts_by_account ON alerts(account_id, seq);
CREATE INDEX alerts_due ON alerts(due_at) WHERE due_at IS NOT NULL;
CREATE INDEX alerts_sent ON alerts(account_id, sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX alerts_sent_by_kind ON alerts(webhook_id, kind, sent_at) WHERE sent_at IS NOT NULL;
CREATE TABLE alert_attempts (
    seq           BIGSERIAL PRIMARY KEY,
    alert_seq     BIGINT NOT NULL,
    attempted_at  TIMESTAMPTZ NOT NULL,
    status_code   INTEGER,
    duration_ms   BIGINT NOT NULL,
    error         TEXT,
    response_body TEXT NOT NULL
);
CREATE INDEX alert_attempts_by_alert ON alert_attempts(alert_seq);
