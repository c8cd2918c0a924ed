-- The live rooms of an account (the dashboard's Live rooms, `GET /rooms?live=true`) are read from
-- its open sessions, not by looking at each of its rooms.
CREATE INDEX sessions_open_by_account ON sessions(account_id) WHERE closed_at IS NULL;
