-- Sessions are owned by the node whose connections hold them: when a node is gone (it stopped
-- sending heartbeats, or the one server of a SQLite file restarted), what it held is ended.
CREATE TABLE nodes (
    id           TEXT PRIMARY KEY,
    heartbeat_at TEXT NOT NULL
);
-- Participants stored before nodes existed belong to no node: gone at the next start, as
-- every open session was before.
ALTER TABLE participants ADD COLUMN node_id TEXT NOT NULL DEFAULT '';
CREATE INDEX participants_by_node ON participants(node_id);
