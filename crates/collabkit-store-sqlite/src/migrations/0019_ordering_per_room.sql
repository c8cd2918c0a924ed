-- Ordered delivery per room (`/webhooks/{id}/ordering`, see `collabkit_domain::rules::ordering`).
-- Only ordered registrations touch the two tables; an unordered delivery pays one NULL column.

-- 0: none (the default), 1: per room.
ALTER TABLE webhooks ADD COLUMN ordering INTEGER NOT NULL DEFAULT 0;
-- For a delivery of an ordered registration, the room number of the previous event of its room
-- that the registration matched (`collabkit-room-previous-seq`), fixed when it is created.
ALTER TABLE deliveries ADD COLUMN previous_room_seq INTEGER;

-- One row per (ordered registration, room): the newest room number it matched (the next
-- delivery's previous number) and its head, the one delivery of the pair a claim may take.
CREATE TABLE ordering_pairs (
    webhook_seq    INTEGER NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    room_id        TEXT NOT NULL,
    last_room_seq  INTEGER NOT NULL DEFAULT 0,
    head_seq       INTEGER,
    PRIMARY KEY (webhook_seq, room_id)
) WITHOUT ROWID;
CREATE INDEX ordering_pairs_by_head ON ordering_pairs(head_seq) WHERE head_seq IS NOT NULL;

-- The pending deliveries of a pair behind its head, by room number. They have no due time (no
-- claim sees them) until the head ends and the lowest of them becomes the head.
CREATE TABLE ordering_waits (
    webhook_seq   INTEGER NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    room_id       TEXT NOT NULL,
    room_seq      INTEGER NOT NULL,
    delivery_seq  INTEGER NOT NULL,
    PRIMARY KEY (webhook_seq, room_id, room_seq)
) WITHOUT ROWID;
CREATE INDEX ordering_waits_by_delivery ON ordering_waits(delivery_seq);
