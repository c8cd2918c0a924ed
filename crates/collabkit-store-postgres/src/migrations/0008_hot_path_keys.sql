-- Issue 22: foreign keys checked on every event's path that guard nothing the code does not
-- already guarantee. Each check is a lookup and a row lock of the referenced row: a WAL record
-- per row inserted (`pg_waldump` showed three per user creation with one registration).
--
-- A user's account is its room's (the code checks it, in the transaction that locks the
-- room); users go with their room, and rooms with their account, by the keys that stay.
ALTER TABLE users DROP CONSTRAINT users_account_id_fkey;
-- A delivery's event is stored in the same statement as the delivery, and an event is pruned
-- only when no delivery refers to it (`queue::prune`).
ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_seq_fkey;
-- An attempt is inserted by the statement that records its delivery's outcome, only for a
-- delivery that statement found; a delivery's attempts go with it by this trigger, whatever
-- deletes it (the retention, or a registration's deletion through its key). Its statement runs
-- after the deletion waited for the deliveries' row locks, so it sees every attempt committed
-- by then, and later outcomes of those deliveries find no delivery to record.
ALTER TABLE attempts DROP CONSTRAINT attempts_delivery_seq_fkey;
CREATE FUNCTION collabkit_delete_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM attempts a USING gone g WHERE a.delivery_seq = g.seq;
    RETURN NULL;
END
$$;
CREATE TRIGGER deliveries_delete_attempts AFTER DELETE ON deliveries
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION collabkit_delete_attempts();
