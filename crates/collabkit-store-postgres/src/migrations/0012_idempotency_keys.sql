-- `Idempotency-Key` records (issue 25): one per (account, key). `completed` false while the
-- first request is being handled, true once its answer (status, content type, location, body)
-- is stored. No key to accounts: records go by age (`created_at`, the pruner's index).
CREATE TABLE idempotency_keys (
    account_id   TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    completed    BOOLEAN NOT NULL DEFAULT false,
    status       INTEGER,
    content_type TEXT,
    location     TEXT,
    body         BYTEA,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
