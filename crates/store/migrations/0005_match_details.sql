-- What the game server knows about each finished match beyond the outcome: why it ended, and each
-- player's final heat and suspicion (for match history and disputes).
ALTER TABLE matches
    ADD COLUMN reason TEXT NOT NULL DEFAULT 'exposed';
ALTER TABLE match_players
    ADD COLUMN heat          BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN final_suspect UUID;
