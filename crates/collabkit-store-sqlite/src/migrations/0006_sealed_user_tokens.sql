-- User tokens at rest: `users.token` now holds the token's lookup key (its time-ordered head and
-- SHA-256, see accounts::token_lookup) and `token_sealed` the token sealed with the server key,
-- which the API opens to show it. Rows written before keep their clear token until the server
-- converts them at start (it holds the key; this migration does not), marked by a NULL here.
ALTER TABLE users ADD COLUMN token_sealed TEXT;
-- Every start looks for rows still to convert: an index of just those keeps that a seek on an
-- empty index instead of a scan of all users.
CREATE INDEX users_token_unsealed ON users(seq) WHERE token_sealed IS NULL;
