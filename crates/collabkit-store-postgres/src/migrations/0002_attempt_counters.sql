-- Per-minute attempt counters for the dashboard's charts and webhook health (see the domain's
-- `stats` module): a day of statistics is at most 1,440 rows per registration and latency
-- bucket, whatever the delivery rate, so reading it never scans the attempt log. Attempts
-- recorded before this migration are not counted.
CREATE TABLE attempt_counters (
    webhook_seq        BIGINT NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    minute             TIMESTAMPTZ NOT NULL,
    succeeded          BOOLEAN NOT NULL,
    latency_bucket_ms  BIGINT NOT NULL,
    -- Nodes recording at once add to different rows (a random shard per batch) instead of
    -- queueing on one row's lock until the other's transaction commits; reads sum the shards.
    shard              SMALLINT NOT NULL,
    count              BIGINT NOT NULL,
    PRIMARY KEY (webhook_seq, minute, succeeded, latency_bucket_ms, shard)
);
-- Retention deletes by time.
CREATE INDEX attempt_counters_by_minute ON attempt_counters(minute);
