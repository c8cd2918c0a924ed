-- The whole schema of the PostgreSQL backend, version 1. Same tables as SQLite's latest
-- version; `seq` identities order lists and key the delivery queue.
CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    api_key_hash TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE rooms (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    custom_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT rooms_custom_id_unique UNIQUE (account_id, custom_id)
);
CREATE INDEX rooms_by_account ON rooms(account_id, seq);

CREATE TABLE users (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    room_id         TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    custom_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    profile_picture TEXT,
    -- The lookup key (time-ordered head + SHA-256), never the token itself.
    token           TEXT NOT NULL UNIQUE,
    token_sealed    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    CONSTRAINT users_custom_id_unique UNIQUE (room_id, custom_id)
);
CREATE INDEX users_by_room ON users(room_id, seq);

-- Events outlive their room: no foreign key, so deleting a room keeps what it caused.
CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    event      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- The log is read in the order transactions committed enough to be safe (see `people.rs`):
-- by the inserting transaction's id, then `seq`.
ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_by_account ON events(account_id, txid, seq);
CREATE INDEX events_by_room ON events(room_id, txid, seq);
CREATE INDEX events_by_name ON events(account_id, event, txid, seq);

CREATE TABLE webhooks (
    seq                    BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id                     TEXT PRIMARY KEY,
    account_id             TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url                    TEXT NOT NULL,
    events_mask            BIGINT NOT NULL,
    room_id                TEXT,
    enabled                BOOLEAN NOT NULL,
    secret_sealed          TEXT NOT NULL,
    previous_secret_sealed TEXT,
    previous_secret_until  TIMESTAMPTZ,
    failing_since          TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhooks_by_account ON webhooks(account_id, seq);
CREATE INDEX webhooks_account_wide ON webhooks(account_id) WHERE room_id IS NULL AND enabled;
CREATE INDEX webhooks_by_room ON webhooks(room_id, seq);

CREATE TABLE deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    webhook_seq     BIGINT NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    event_seq       BIGINT NOT NULL REFERENCES events(seq),
    event_code      SMALLINT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Attempts since the schedule (re)started (a manual retry or a recovery restarts it).
    cycle_attempts  INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TIMESTAMPTZ,
    next_retry_at   TIMESTAMPTZ,
    status_code     INTEGER,
    -- When a pending delivery may next be taken: due now, at its retry, or when its lease ends.
    due_at          TIMESTAMPTZ,
    lease           BIGINT,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(due_at) WHERE status = 'pending';
CREATE INDEX deliveries_log ON deliveries(webhook_seq, event_code, seq);
CREATE INDEX deliveries_by_event ON deliveries(event_seq);
CREATE INDEX deliveries_failed ON deliveries(webhook_seq, last_attempt_at) WHERE status = 'failed';

CREATE TABLE attempts (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_seq  BIGINT NOT NULL REFERENCES deliveries(seq) ON DELETE CASCADE,
    attempted_at  TIMESTAMPTZ NOT NULL,
    status_code   INTEGER,
    duration_ms   BIGINT NOT NULL,
    error         TEXT,
    response_body TEXT NOT NULL
);
CREATE INDEX attempts_by_delivery ON attempts(delivery_seq, seq);

CREATE TABLE sessions (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    started_at TIMESTAMPTZ NOT NULL,
    closed_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX sessions_open_per_room ON sessions(room_id) WHERE closed_at IS NULL;

-- One row per node holding the user (two tabs on two nodes are one participant, held twice).
CREATE TABLE participants (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    node_id    TEXT NOT NULL,
    joined_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, user_id, node_id)
);
CREATE INDEX participants_by_node ON participants(node_id);

CREATE TABLE session_users (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    user_json  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

CREATE TABLE nodes (
    id           TEXT PRIMARY KEY,
    heartbeat_at TIMESTAMPTZ NOT NULL
);

-- Realtime frames too large for a NOTIFY, read by key by the other nodes; kept a minute.
CREATE TABLE relay_frames (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX relay_frames_by_age ON relay_frames(created_at);
