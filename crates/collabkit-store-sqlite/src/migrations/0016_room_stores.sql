-- A room's stores (`/sdk/stores`): one bookkeeping row per store ever written, and one row per
-- key (a value, or a tombstone: `value` NULL, kept so a resuming client learns the key went).
-- Both go with the room by their keys (deleting a room deletes its row in `rooms`). Upserts
-- must stay `ON CONFLICT DO UPDATE`: a REPLACE deletes first and would cascade.
CREATE TABLE room_stores (
    room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    store      TEXT NOT NULL,
    -- The version of the store's last change; changes are numbered 1, 2, 3, ...
    version    INTEGER NOT NULL,
    -- Tombstones up to this version may have been forgotten (see `needs_snapshot`).
    horizon    INTEGER NOT NULL DEFAULT 0,
    entries    INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    tombstones INTEGER NOT NULL,
    PRIMARY KEY (room_id, store)
) WITHOUT ROWID;

-- Keys compare as bytes (BINARY collation on UTF-8), as every backend pages them. The primary
-- key serves a key's lookup, the pages by key and the cascade from `room_stores`.
CREATE TABLE store_entries (
    room_id    TEXT NOT NULL,
    store      TEXT NOT NULL,
    key        TEXT NOT NULL,
    -- Compact JSON of an object; NULL: a tombstone.
    value      TEXT,
    bytes      INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT,
    PRIMARY KEY (room_id, store, key),
    FOREIGN KEY (room_id, store) REFERENCES room_stores(room_id, store) ON DELETE CASCADE
) WITHOUT ROWID;
-- A delta: a store's rows changed after a version, in version order.
CREATE INDEX store_entries_by_version ON store_entries(room_id, store, version);
-- Pruning: a store's oldest tombstones, without walking its live entries.
CREATE INDEX store_tombstones ON store_entries(room_id, store, version) WHERE value IS NULL;
