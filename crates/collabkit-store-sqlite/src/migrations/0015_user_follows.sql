-- Follows between the users of a room: `follower_id` follows `user_id`. A row goes with either
-- user (the keys below: deleting a room deletes its users one by one, so its follows go too).
-- The primary key lists a room's follows in order (follower, then user); the two indexes serve
-- the cascades from `users`.
CREATE TABLE user_follows (
    account_id  TEXT NOT NULL,
    room_id     TEXT NOT NULL,
    follower_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (room_id, follower_id, user_id)
) WITHOUT ROWID;
CREATE INDEX user_follows_by_follower ON user_follows(follower_id);
CREATE INDEX user_follows_by_user ON user_follows(user_id);
