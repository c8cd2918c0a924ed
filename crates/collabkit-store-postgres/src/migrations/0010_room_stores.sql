-- A room's stores (issue 24): one bookkeeping row per (room, store) and one row per entry.
-- No key to rooms or accounts (see 0008): a store is written only by a transaction that found
-- the room the account's under the room's store lock, and `rooms::delete_room` deletes the
-- rows under the same lock (`stores::delete_room_stores`).
-- Names and keys sort as bytes ("C"), as on SQLite, whatever the database's collation.
--
-- `room_stores` is rewritten by every batch of writes and never changes its key: with room
-- left on each page, its updates stay HOT (no index entry, a small WAL record).
CREATE TABLE room_stores (
    room_id    TEXT COLLATE "C" NOT NULL,
    store      TEXT COLLATE "C" NOT NULL,
    -- The version of the store's last change; the next change takes version + 1.
    version    BIGINT NOT NULL,
    -- Tombstones up to this version were forgotten (a client behind it gets a snapshot).
    horizon    BIGINT NOT NULL,
    entries    BIGINT NOT NULL,
    bytes      BIGINT NOT NULL,
    tombstones BIGINT NOT NULL,
    PRIMARY KEY (room_id, store)
) WITH (fillfactor = 70);

-- An entry, or a tombstone (`value` NULL) telling a resuming client the key went. The value is
-- its compact JSON as text: stored and returned as the domain wrote it (`bytes` is its length),
-- with no conversion on either way, and the same text as SQLite keeps.
-- Two indexes only: the key (reads, upserts, paging by key) and the version (a sync's delta
-- and the pruning of the oldest tombstones). Every change moves `version`, so an entry's
-- update cannot be HOT whatever else is indexed; no third index adds to that.
CREATE TABLE store_entries (
    room_id    TEXT COLLATE "C" NOT NULL,
    store      TEXT COLLATE "C" NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    value      TEXT,
    bytes      BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT,
    PRIMARY KEY (room_id, store, key)
);
CREATE INDEX store_entries_by_version ON store_entries(room_id, store, version);
