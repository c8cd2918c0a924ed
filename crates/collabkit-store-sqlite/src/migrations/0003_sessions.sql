-- Live sessions, persisted so a crash cannot leave one open forever.
CREATE TABLE sessions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    started_at TEXT NOT NULL,
    closed_at  TEXT
);
-- At most one open session per room.
CREATE UNIQUE INDEX sessions_open_per_room ON sessions(room_id) WHERE closed_at IS NULL;

-- Who is in a session now.
CREATE TABLE participants (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    joined_at  TEXT NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

-- Everyone who joined during a session, as they were when they joined (for session.closed,
-- even if the user is deleted meanwhile).
CREATE TABLE session_users (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    user_json  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
