-- The documented CollabKit shapes (issue 20): optional custom ids, room counters, user status,
-- users' participations, and the totals lists answer. Everything is backfilled from the data
-- already stored; stored event payloads stay as they are (sent byte for byte, in the shape of
-- the version that stored them).

-- customId is optional. NULLs never collide in a UNIQUE constraint, so rooms stay unique per
-- account and users per room when they have one.
ALTER TABLE rooms ALTER COLUMN custom_id DROP NOT NULL;
ALTER TABLE users ALTER COLUMN custom_id DROP NOT NULL;

-- A room's counters live beside its event number, not in `rooms`: every change that moves
-- them stores an event of the room, which locks this row anyway, so keeping them here adds no
-- lock; the `rooms` row stays cold (user inserts key-share it through their foreign key).
ALTER TABLE room_sequences
    ADD COLUMN users_created BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN users         BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN participants  BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN closed_ms     BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN live_since    TIMESTAMPTZ;
-- From now on every room has its row (made with the room).
INSERT INTO room_sequences (room_id, last_event_seq) SELECT id, 0 FROM rooms
ON CONFLICT (room_id) DO NOTHING;
UPDATE room_sequences s SET users = c.n
FROM (SELECT room_id, COUNT(*) AS n FROM users GROUP BY room_id) AS c
WHERE c.room_id = s.room_id;
-- Users ever created: those there now and those whose deletion is still in the log (the
-- retention may have pruned older ones: a lower bound then).
UPDATE room_sequences s SET users_created = s.users + COALESCE(d.n, 0)
FROM (SELECT r.id AS room_id, (SELECT COUNT(*) FROM events e
                               WHERE e.room_id = r.id AND e.event = 'user.deleted') AS n
      FROM rooms r) AS d
WHERE d.room_id = s.room_id;
UPDATE room_sequences s SET participants = p.n, live_since = p.started_at
FROM (SELECT se.room_id, se.started_at, COUNT(DISTINCT pa.user_id) AS n
      FROM sessions se LEFT JOIN participants pa ON pa.session_id = se.id
      WHERE se.closed_at IS NULL GROUP BY se.room_id, se.started_at) AS p
WHERE p.room_id = s.room_id;
UPDATE room_sequences s SET closed_ms = c.ms
FROM (SELECT room_id,
             SUM(GREATEST(EXTRACT(EPOCH FROM (closed_at - started_at)) * 1000, 0))::bigint AS ms
      FROM sessions WHERE closed_at IS NOT NULL GROUP BY room_id) AS c
WHERE c.room_id = s.room_id;

-- A user's status: online while participating; the last times they went on and offline.
ALTER TABLE users
    ADD COLUMN online    BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN joined_at TIMESTAMPTZ,
    ADD COLUMN left_at   TIMESTAMPTZ;

-- One row per participation of a user: opened when they join the live session, closed when
-- they leave it. Gone with the user.
CREATE TABLE user_sessions (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    room_id    TEXT NOT NULL,
    joined_at  TIMESTAMPTZ NOT NULL,
    left_at    TIMESTAMPTZ
);
-- A user's participations newest first.
CREATE INDEX user_sessions_by_user ON user_sessions(user_id, seq);
-- At most one open participation per user.
CREATE UNIQUE INDEX user_sessions_open ON user_sessions(user_id) WHERE left_at IS NULL;

-- The live participations at the upgrade are known (earlier ones are not reconstructed).
WITH live AS (
    SELECT se.account_id, se.room_id, pa.user_id, MIN(pa.joined_at) AS joined_at
    FROM sessions se JOIN participants pa ON pa.session_id = se.id
    JOIN users u ON u.id = pa.user_id
    WHERE se.closed_at IS NULL
    GROUP BY se.account_id, se.room_id, pa.user_id),
marked AS (
    UPDATE users u SET online = true, joined_at = live.joined_at
    FROM live WHERE u.id = live.user_id)
INSERT INTO user_sessions (id, account_id, user_id, room_id, joined_at)
SELECT 'sess_' || substr(md5(random()::text || user_id), 1, 26), account_id, user_id, room_id,
       joined_at
FROM live ORDER BY joined_at;

-- The snapshots a session keeps of its users take the new shape (they are read back into
-- it): the user as stored when they still exist, else the old snapshot's fields renamed.
UPDATE session_users su SET user_json = jsonb_build_object(
        'id', u.id, 'room_id', u.room_id, 'name', u.name, 'profile_picture', u.profile_picture,
        'custom_id', u.custom_id, 'status', CASE WHEN u.online THEN 'online' ELSE 'offline' END,
        'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'joined_at', to_char(u.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'left_at', NULL)::text
FROM users u WHERE u.id = su.user_id;
UPDATE session_users su SET user_json = jsonb_build_object(
        'id', j->>'id', 'room_id', j->>'roomId', 'name', j->>'name',
        'profile_picture', j->'profilePicture', 'custom_id', j->'customId', 'status', 'offline',
        'created_at', j->>'createdAt', 'joined_at', NULL, 'left_at', NULL)::text
FROM (SELECT session_id AS s, user_id AS uid, user_json::jsonb AS j FROM session_users) AS old
WHERE old.s = su.session_id AND old.uid = su.user_id AND old.j ? 'roomId';

-- Totals that must stay cheap: an account's rooms, a registration's deliveries. Counted in the
-- transaction of each change, spread over rows (`shard`: a slot of 64 each pooled connection
-- holds, see `sql::CLAIM_SHARD`) so concurrent writers never meet on one row (no hot row, no
-- waits); a total is the sum of at most 64 rows. A shard may go negative (a deletion lands on
-- another connection's shard).
CREATE TABLE account_counters (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    shard      SMALLINT NOT NULL,
    rooms      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, shard)
);
INSERT INTO account_counters (account_id, shard, rooms)
SELECT account_id, 0, COUNT(*) FROM rooms GROUP BY account_id;

CREATE TABLE delivery_counters (
    webhook_seq BIGINT NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    shard       SMALLINT NOT NULL,
    deliveries  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (webhook_seq, shard)
);
INSERT INTO delivery_counters (webhook_seq, shard, deliveries)
SELECT webhook_seq, 0, COUNT(*) FROM deliveries GROUP BY webhook_seq;
