-- The CollabKit dialect's rooms and users (issue 20): an optional customId (rooms: unique in the
-- account; users: unique in the room; NULLs never collide), the room's counters (kept in the
-- transaction of each change, so reading a room is one row whatever its history), the users'
-- status, one row per participation (`user_sessions`), and counters that make list totals cheap.
--
-- `custom_id` loses its NOT NULL, which SQLite can only do by rebuilding the table; the migration
-- runs with foreign keys off (see migrate.rs), so dropping the old tables cascades nowhere, and
-- rows keep their `seq` (cursors and ids stay valid). Existing rows keep their customId.
-- Stored payloads (camelCase rooms and users before this version) are not rewritten: they are
-- sent byte for byte, as stored.

-- AUTOINCREMENT's high-water marks, so no seq of a deleted row is handed out again.
CREATE TEMP TABLE kept_sequences AS
    SELECT name, seq FROM sqlite_sequence WHERE name IN ('rooms', 'users');

CREATE TABLE rooms_v12 (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    custom_id      TEXT,
    name           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    last_event_seq INTEGER NOT NULL DEFAULT 0,
    -- RoomCounters (collabkit-domain): moved by the rules, written with each change.
    users_created  INTEGER NOT NULL DEFAULT 0,
    users_count    INTEGER NOT NULL DEFAULT 0,
    participants   INTEGER NOT NULL DEFAULT 0,
    closed_ms      INTEGER NOT NULL DEFAULT 0,
    live_since     TEXT,
    CONSTRAINT rooms_custom_id_unique UNIQUE (account_id, custom_id)
);
INSERT INTO rooms_v12 (seq, id, account_id, custom_id, name, created_at, updated_at, last_event_seq)
    SELECT seq, id, account_id, custom_id, name, created_at, updated_at, last_event_seq
    FROM rooms ORDER BY seq;

CREATE TABLE users_v12 (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    room_id         TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    custom_id       TEXT,
    name            TEXT NOT NULL,
    profile_picture TEXT,
    token           TEXT NOT NULL UNIQUE,
    token_sealed    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    -- Whether the user participates in the room's live session, and the last times they went
    -- online and offline.
    online          INTEGER NOT NULL DEFAULT 0,
    joined_at       TEXT,
    left_at         TEXT,
    CONSTRAINT users_custom_id_unique UNIQUE (room_id, custom_id)
);
INSERT INTO users_v12 (seq, id, account_id, room_id, custom_id, name, profile_picture, token,
                       token_sealed, created_at, updated_at)
    SELECT seq, id, account_id, room_id, custom_id, name, profile_picture, token, token_sealed,
           created_at, updated_at
    FROM users ORDER BY seq;

DROP TABLE users;
DROP TABLE rooms;
ALTER TABLE rooms_v12 RENAME TO rooms;
ALTER TABLE users_v12 RENAME TO users;
CREATE INDEX rooms_by_account ON rooms(account_id, seq);
CREATE INDEX users_by_room ON users(room_id, seq);
CREATE INDEX users_token_unsealed ON users(seq) WHERE token_sealed IS NULL;
DELETE FROM sqlite_sequence WHERE name IN ('rooms', 'users');
INSERT INTO sqlite_sequence (name, seq) SELECT name, seq FROM kept_sequences;
DROP TABLE kept_sequences;

-- One row per participation: opened when the user joins, closed when they leave.
CREATE TABLE user_sessions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    room_id    TEXT NOT NULL,
    joined_at  TEXT NOT NULL,
    left_at    TEXT
);
-- A user's participations, newest first.
CREATE INDEX user_sessions_by_user ON user_sessions(user_id, seq);
-- At most one open participation per user; closing it is one seek.
CREATE UNIQUE INDEX user_sessions_open ON user_sessions(user_id) WHERE left_at IS NULL;

-- The counters, backfilled from the data. Users ever created: those there now plus the
-- `user.deleted` events still kept (the retention may have pruned older ones).
UPDATE rooms SET
    users_count = (SELECT COUNT(*) FROM users u WHERE u.room_id = rooms.id),
    users_created = (SELECT COUNT(*) FROM users u WHERE u.room_id = rooms.id)
        + (SELECT COUNT(*) FROM events e WHERE e.room_id = rooms.id AND e.event = 'user.deleted'),
    participants = COALESCE((SELECT COUNT(DISTINCT p.user_id) FROM participants p
                             JOIN sessions s ON s.id = p.session_id
                             WHERE s.room_id = rooms.id AND s.closed_at IS NULL), 0),
    closed_ms = COALESCE((SELECT SUM(CAST(ROUND((unixepoch(s.closed_at, 'subsec')
                                               - unixepoch(s.started_at, 'subsec')) * 1000) AS INTEGER))
                          FROM sessions s WHERE s.room_id = rooms.id AND s.closed_at IS NOT NULL), 0),
    live_since = (SELECT s.started_at FROM sessions s
                  WHERE s.room_id = rooms.id AND s.closed_at IS NULL);

-- Participants now are online since they first joined through any node; their participation
-- is open. (Earlier participations were not recorded per user: the history starts here.)
UPDATE users SET online = 1,
    joined_at = (SELECT MIN(p.joined_at) FROM participants p JOIN sessions s ON s.id = p.session_id
                 WHERE p.user_id = users.id AND s.closed_at IS NULL)
WHERE EXISTS (SELECT 1 FROM participants p JOIN sessions s ON s.id = p.session_id
              WHERE p.user_id = users.id AND s.closed_at IS NULL);
INSERT INTO user_sessions (id, account_id, user_id, room_id, joined_at)
    SELECT 'sess_' || lower(hex(randomblob(13))), account_id, id, room_id, joined_at
    FROM users WHERE online = 1 ORDER BY seq;

-- List totals: an account's rooms and a registration's deliveries are counted as rows come
-- and go (every path: the verbs, cascades, the retention), so an unfiltered total is one row.
ALTER TABLE accounts ADD COLUMN rooms_count INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET rooms_count = (SELECT COUNT(*) FROM rooms r WHERE r.account_id = accounts.id);
CREATE TRIGGER rooms_counted_in AFTER INSERT ON rooms BEGIN
    UPDATE accounts SET rooms_count = rooms_count + 1 WHERE id = NEW.account_id;
END;
CREATE TRIGGER rooms_counted_out AFTER DELETE ON rooms BEGIN
    UPDATE accounts SET rooms_count = rooms_count - 1 WHERE id = OLD.account_id;
END;

ALTER TABLE webhooks ADD COLUMN deliveries_count INTEGER NOT NULL DEFAULT 0;
UPDATE webhooks SET deliveries_count = (SELECT COUNT(*) FROM deliveries d WHERE d.webhook_seq = webhooks.seq);
CREATE TRIGGER deliveries_counted_in AFTER INSERT ON deliveries BEGIN
    UPDATE webhooks SET deliveries_count = deliveries_count + 1 WHERE seq = NEW.webhook_seq;
END;
CREATE TRIGGER deliveries_counted_out AFTER DELETE ON deliveries BEGIN
    UPDATE webhooks SET deliveries_count = deliveries_count - 1 WHERE seq = OLD.webhook_seq;
END;
