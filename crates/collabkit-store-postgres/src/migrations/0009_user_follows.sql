-- Follows between the users of a room: `follower_id` follows `user_id`. A row goes with either
-- user by the keys below, and with its room through them (a room's deletion deletes its users).
-- No key to rooms or accounts (see 0008): a follow is written only for two users the
-- transaction writing it found in the room and holds (`follows::set_follow`).
-- The ids sort as bytes ("C"), as on SQLite, whatever the database's collation: the primary
-- key lists a room's follows in order (follower, then user); the two indexes serve the
-- cascades from `users`.
CREATE TABLE user_follows (
    account_id  TEXT NOT NULL,
    room_id     TEXT NOT NULL,
    follower_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room_id, follower_id, user_id)
);
CREATE INDEX user_follows_by_follower ON user_follows(follower_id);
CREATE INDEX user_follows_by_user ON user_follows(user_id);
