-- When each leaderboard entry last changed: an index rebuild re-applies the entries that changed
-- while it ran, so a score committed during a rebuild is not lost from the index.
ALTER TABLE leaderboard_entries ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp();
CREATE INDEX leaderboard_updated_idx ON leaderboard_entries (board, updated_at);
