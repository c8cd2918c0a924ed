-- `Idempotency-Key` records (issue 25): one per (account, key). `completed` 0 while the first
-- request is being handled, 1 once its answer (status, content type, location, body) is stored.
-- No key to accounts: records go by age (`created_at`, the pruner's index).
CREATE TABLE idempotency_keys (
    account_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    completed    INTEGER NOT NULL DEFAULT 0,
    status       INTEGER,
    content_type TEXT,
    location     TEXT,
    body         BLOB,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
