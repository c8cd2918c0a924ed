-- Every event gets its place in its room's history: 1, 2, 3… in the order the room's changes
-- committed, with no gaps. A receiver can tell from it whether it has seen all of a room's events,
-- and read what it missed (`GET /rooms/{id}/events?after_room_seq=`); ordered delivery per room
-- will be built on it. Numbers never repeat, even after the retention prunes a room's old events.
--
-- The last number of each room lives in a table of its own rather than in `rooms`: taking a
-- number locks the counter's row until commit (so numbers follow commit order on every node),
-- and on `rooms` that lock met the key-share locks every user insert takes through its foreign
-- key, which PostgreSQL resolves with a multixact per change.
CREATE TABLE room_sequences (
    room_id        TEXT PRIMARY KEY,
    last_event_seq BIGINT NOT NULL
);
ALTER TABLE events ADD COLUMN room_seq BIGINT;
-- The events stored before are numbered in the log's order (transaction, then position).
UPDATE events SET room_seq = numbered.n
FROM (SELECT seq AS s, row_number() OVER (PARTITION BY room_id ORDER BY txid, seq) AS n FROM events) AS numbered
WHERE events.seq = numbered.s;
INSERT INTO room_sequences (room_id, last_event_seq)
SELECT room_id, MAX(room_seq) FROM events JOIN rooms ON rooms.id = events.room_id GROUP BY room_id;
CREATE INDEX events_by_room_seq ON events(room_id, room_seq);
