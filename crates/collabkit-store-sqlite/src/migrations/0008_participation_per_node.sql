-- A user may be connected to a room through several nodes at once (two tabs behind a load
-- balancer): participation is one row per node, and the user is a participant while any row
-- remains. Rows of a node that is gone are removed without touching the others'.
CREATE TABLE participants_new (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    node_id    TEXT NOT NULL,
    joined_at  TEXT NOT NULL,
    PRIMARY KEY (session_id, user_id, node_id)
);
INSERT INTO participants_new (session_id, user_id, node_id, joined_at)
    SELECT session_id, user_id, node_id, joined_at FROM participants;
DROP TABLE participants;
ALTER TABLE participants_new RENAME TO participants;
CREATE INDEX participants_on_node ON participants(node_id);
