-- Invitations to a side of a player-vs-player battle. A duel needs company: the party game takes
-- at least 3 players, so each side of a player battle invites players of its own ("seconds"); an
-- invited player joins the side that invited them. Group battles need none (members join).
CREATE TABLE battle_invites (
    battle_id   UUID NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    side        TEXT NOT NULL CHECK (side IN ('challenger', 'opponent')),
    invited_by  UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (battle_id, user_id)
);
CREATE INDEX battle_invites_user_idx ON battle_invites (user_id);
