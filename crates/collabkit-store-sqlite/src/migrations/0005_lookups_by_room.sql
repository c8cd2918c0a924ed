-- Lookups whose cost follows what they find, not the account's size.
--
-- Why: matching an event read every enabled registration of the account and kept those of the
-- event's room row by row, so 5,000 registrations on other rooms made every event 5.8x slower.
-- Now account-wide registrations and each room's registrations are two direct seeks. The room
-- index also serves `GET /webhooks?roomId=` and deleting a room (which scanned every
-- registration); the event indexes serve the event log's room and name filters, which scanned
-- the account's whole history; sessions get the index their room's deletion lacked.
DROP INDEX webhooks_matching;
CREATE INDEX webhooks_account_wide ON webhooks(account_id, seq) WHERE room_id IS NULL AND enabled = 1;
CREATE INDEX webhooks_by_room ON webhooks(room_id, seq);
CREATE INDEX events_by_room ON events(room_id, seq);
CREATE INDEX events_by_name ON events(account_id, event, seq);
CREATE INDEX sessions_by_room ON sessions(room_id);
