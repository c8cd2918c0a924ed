-- An account's registrations counted as they come and go (issue 20: a list's `total` stays
-- cheap as the account grows; the cap `--max-webhooks-per-account` reads the same number).
-- Kept by triggers so every path counts, the room deletion's and the cascades included.
-- Registrations are created rarely (and capped), so they count on shard 0 alone: no hot row
-- for the writers that matter. A deletion only updates (an account being deleted takes its
-- counters with it; an insert there would violate their foreign key).
ALTER TABLE account_counters ADD COLUMN webhooks BIGINT NOT NULL DEFAULT 0;
INSERT INTO account_counters AS a (account_id, shard, webhooks)
SELECT account_id, 0, COUNT(*) FROM webhooks GROUP BY account_id
ON CONFLICT (account_id, shard) DO UPDATE SET webhooks = EXCLUDED.webhooks;

CREATE FUNCTION webhooks_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO account_counters AS a (account_id, shard, webhooks)
        VALUES (NEW.account_id, 0, 1)
        ON CONFLICT (account_id, shard) DO UPDATE SET webhooks = a.webhooks + 1;
    ELSE
        UPDATE account_counters SET webhooks = webhooks - 1
        WHERE account_id = OLD.account_id AND shard = 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER webhooks_counted AFTER INSERT OR DELETE ON webhooks
    FOR EACH ROW EXECUTE FUNCTION webhooks_counted();
