-- Accounts, rooms, users and the event outbox.
-- `seq` columns give every list a stable, index-friendly order and cursor.
CREATE TABLE accounts (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    api_key_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE rooms (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    custom_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT rooms_custom_id_unique UNIQUE (account_id, custom_id)
);
CREATE INDEX rooms_by_account ON rooms(account_id, seq);

CREATE TABLE users (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    room_id         TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    custom_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    profile_picture TEXT,
    token           TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CONSTRAINT users_custom_id_unique UNIQUE (room_id, custom_id)
);
CREATE INDEX users_by_room ON users(room_id, seq);

-- Events outlive their room: no foreign key, so deleting a room keeps what it caused.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    event      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX events_by_account ON events(account_id, seq);
