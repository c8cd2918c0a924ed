-- A registration's deliveries counted per event name (issue 20: the delivery log filtered by
-- event answers its `total` from its counter rows, as the unfiltered log does). The counters
-- stay sharded by connection (see migration 5); the key gains the event's code.
CREATE TABLE delivery_counters_v7 (
    webhook_seq BIGINT NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    event_code  SMALLINT NOT NULL,
    shard       SMALLINT NOT NULL,
    deliveries  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (webhook_seq, event_code, shard)
);
INSERT INTO delivery_counters_v7 (webhook_seq, event_code, shard, deliveries)
SELECT webhook_seq, event_code, 0, COUNT(*) FROM deliveries GROUP BY webhook_seq, event_code;
DROP TABLE delivery_counters;
ALTER TABLE delivery_counters_v7 RENAME TO delivery_counters;
ALTER TABLE delivery_counters RENAME CONSTRAINT delivery_counters_v7_pkey TO delivery_counters_pkey;
ALTER TABLE delivery_counters RENAME CONSTRAINT delivery_counters_v7_webhook_seq_fkey TO delivery_counters_webhook_seq_fkey;
