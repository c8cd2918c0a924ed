-- Per-minute attempt counters for the dashboard's charts and webhook health (see the domain's
-- `stats` module): a day of statistics is at most 1,440 rows per registration and latency
-- bucket, whatever the delivery rate, so reading it never scans the attempt log. The server
-- adds its counts about once a second. Attempts recorded before this migration are not counted.
CREATE TABLE attempt_counters (
    webhook_seq        INTEGER NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    minute             TEXT NOT NULL,
    succeeded          INTEGER NOT NULL,
    latency_bucket_ms  INTEGER NOT NULL,
    count              INTEGER NOT NULL,
    PRIMARY KEY (webhook_seq, minute, succeeded, latency_bucket_ms)
) WITHOUT ROWID;
-- Retention deletes by time.
CREATE INDEX attempt_counters_by_minute ON attempt_counters(minute);
