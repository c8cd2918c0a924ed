-- An account's registrations counted as they come and go (issue 20: a list's `total` stays
-- cheap as the account grows; the cap `--max-webhooks-per-account` reads the same number).
-- Triggers, as for `rooms_count`, so every path counts: the verbs, a room's deletion (its
-- scoped registrations go with it) and the foreign keys' cascades.
ALTER TABLE accounts ADD COLUMN webhooks_count INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET webhooks_count = (SELECT COUNT(*) FROM webhooks w WHERE w.account_id = accounts.id);
CREATE TRIGGER webhooks_counted_in AFTER INSERT ON webhooks BEGIN
    UPDATE accounts SET webhooks_count = webhooks_count + 1 WHERE id = NEW.account_id;
END;
CREATE TRIGGER webhooks_counted_out AFTER DELETE ON webhooks BEGIN
    UPDATE accounts SET webhooks_count = webhooks_count - 1 WHERE id = OLD.account_id;
END;
