-- Every event gets its place in its room's history: 1, 2, 3… in the order the room's changes
-- committed, with no gaps. A receiver can tell from it whether it has seen all of a room's events,
-- and read what it missed (`GET /events?room_id=…&after_room_seq=…`); ordered delivery per room
-- will be built on it. The room keeps its last number, so numbers never repeat, even after
-- the retention prunes a room's old events.
ALTER TABLE rooms ADD COLUMN last_event_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN room_seq INTEGER;
-- The events stored before are numbered in the order they were stored (SQLite stores in order).
UPDATE events SET room_seq = numbered.n
FROM (SELECT seq AS s, row_number() OVER (PARTITION BY room_id ORDER BY seq) AS n FROM events) AS numbered
WHERE events.seq = numbered.s;
UPDATE rooms SET last_event_seq = COALESCE((SELECT MAX(room_seq) FROM events WHERE events.room_id = rooms.id), 0);
CREATE INDEX events_by_room_seq ON events(room_id, room_seq);
