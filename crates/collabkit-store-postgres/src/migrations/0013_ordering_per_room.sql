-- Ordered delivery per room (`/webhooks/{id}/ordering`, see `collabkit_domain::rules::ordering`).
-- Only ordered registrations touch the two tables; an unordered delivery pays one NULL column
-- (a bit in the row's null bitmap).

-- 0: none (the default), 1: per room.
ALTER TABLE webhooks ADD COLUMN ordering SMALLINT NOT NULL DEFAULT 0;
-- For a delivery of an ordered registration, the room number of the previous event of its room
-- that the registration matched (`collabkit-room-previous-seq`), fixed when it is created.
ALTER TABLE deliveries ADD COLUMN previous_room_seq BIGINT;

-- One row per (ordered registration, room): the newest room number it matched and its head,
-- the one delivery of the pair a claim may take. The row is the pair's lock: fan-out, the
-- record of the head's outcome and manual re-queues all take it (FOR UPDATE, or an upsert)
-- before reading or moving the head.
CREATE TABLE ordering_pairs (
    webhook_seq    BIGINT NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    room_id        TEXT NOT NULL,
    last_room_seq  BIGINT NOT NULL DEFAULT 0,
    head_seq       BIGINT,
    PRIMARY KEY (webhook_seq, room_id)
);
CREATE INDEX ordering_pairs_by_head ON ordering_pairs(head_seq) WHERE head_seq IS NOT NULL;

-- The pending deliveries of a pair behind its head, by room number, with no due time (no claim
-- sees them) until the head ends and the lowest becomes the head.
CREATE TABLE ordering_waits (
    webhook_seq   BIGINT NOT NULL REFERENCES webhooks(seq) ON DELETE CASCADE,
    room_id       TEXT NOT NULL,
    room_seq      BIGINT NOT NULL,
    delivery_seq  BIGINT NOT NULL,
    PRIMARY KEY (webhook_seq, room_id, room_seq)
);
CREATE INDEX ordering_waits_by_delivery ON ordering_waits(delivery_seq);
