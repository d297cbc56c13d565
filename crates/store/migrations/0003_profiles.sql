-- Profiles, matches, leaderboards, action tokens and scores.

ALTER TABLE users
    ADD COLUMN elo           INT    NOT NULL DEFAULT 1200,
    ADD COLUMN xp            BIGINT NOT NULL DEFAULT 0 CHECK (xp >= 0),
    ADD COLUMN games_played  INT    NOT NULL DEFAULT 0 CHECK (games_played >= 0),
    ADD COLUMN wins          INT    NOT NULL DEFAULT 0 CHECK (wins >= 0);

-- Finished matches (written by edge nodes at game over, idempotent by id) and their players.
CREATE TABLE matches (
    id           UUID PRIMARY KEY,
    mode         TEXT NOT NULL,
    winner       TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE match_players (
    match_id    UUID NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    won         BOOLEAN NOT NULL,
    elo_before  INT NOT NULL,
    elo_after   INT NOT NULL,
    xp_gained   BIGINT NOT NULL,
    coins_gained BIGINT NOT NULL,
    PRIMARY KEY (match_id, user_id)
);
CREATE INDEX match_players_user_idx ON match_players (user_id, match_id DESC);

-- A board is a row: its kind says which value feeds it.
CREATE TABLE boards (
    id      TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    kind    TEXT NOT NULL CHECK (kind IN ('rating', 'xp', 'score')),
    title   TEXT NOT NULL,
    active  BOOLEAN NOT NULL DEFAULT true
);
INSERT INTO boards (id, kind, title) VALUES
    ('rating', 'rating', 'Rating'),
    ('xp', 'xp', 'Experience'),
    ('score', 'score', 'Arcade score');

-- Order everywhere: value DESC, first_reached_at ASC, user_id ASC. first_reached_at moves only
-- when the value rises. Values stay within 0..2^53 so that Redis scores (doubles) are exact.
CREATE TABLE leaderboard_entries (
    board             TEXT NOT NULL REFERENCES boards (id),
    user_id           UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    value             BIGINT NOT NULL CHECK (value >= 0 AND value <= 9007199254740991),
    first_reached_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (board, user_id)
);
CREATE INDEX leaderboard_order_idx ON leaderboard_entries (board, value DESC, first_reached_at ASC, user_id ASC);

-- Actions registered by trusted game services; each can be turned into a score once.
CREATE TABLE actions (
    id           UUID PRIMARY KEY,
    user_id      UUID REFERENCES users (id) ON DELETE SET NULL,
    service      TEXT NOT NULL,
    max_score    BIGINT NOT NULL CHECK (max_score > 0),
    expires_at   TIMESTAMPTZ NOT NULL,
    consumed_at  TIMESTAMPTZ,
    -- The first answer to the score submission, replayed to retries.
    response     JSONB,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Audit of every score change; kept (anonymised) when the account is deleted.
CREATE TABLE score_events (
    id           BIGSERIAL PRIMARY KEY,
    user_id      UUID REFERENCES users (id) ON DELETE SET NULL,
    board        TEXT NOT NULL,
    action_id    UUID,
    delta        BIGINT NOT NULL,
    value_after  BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX score_events_user_idx ON score_events (user_id);

-- Boards whose Redis index missed a write (Redis was unreachable); the drift check rebuilds them.
CREATE TABLE leaderboard_repairs (
    board      TEXT PRIMARY KEY REFERENCES boards (id),
    queued_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
