-- A registration's deliveries counted per event name (issue 20: the delivery log filtered by
-- event answers its `total` from one row, as the unfiltered log does from the sum of at most
-- seven). It replaces the per-registration `deliveries_count`: the same one row written per
-- delivery, by triggers on every path (fan-out, retention, a registration's deletion).
CREATE TABLE delivery_counts (
    webhook_seq INTEGER NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    event_code  INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (webhook_seq, event_code)
) WITHOUT ROWID;
INSERT INTO delivery_counts (webhook_seq, event_code, n)
    SELECT webhook_seq, event_code, COUNT(*) FROM deliveries GROUP BY webhook_seq, event_code;

DROP TRIGGER deliveries_counted_in;
DROP TRIGGER deliveries_counted_out;
ALTER TABLE webhooks DROP COLUMN deliveries_count;
CREATE TRIGGER deliveries_counted_in AFTER INSERT ON deliveries BEGIN
    INSERT INTO delivery_counts (webhook_seq, event_code, n) VALUES (NEW.webhook_seq, NEW.event_code, 1)
        ON CONFLICT (webhook_seq, event_code) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER deliveries_counted_out AFTER DELETE ON deliveries BEGIN
    UPDATE delivery_counts SET n = n - 1
    WHERE webhook_seq = OLD.webhook_seq AND event_code = OLD.event_code;
END;
