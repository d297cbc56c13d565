-- Groups (clans): members with roles, invite codes.

CREATE TABLE groups (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL,
    -- The name case-folded with inner spaces collapsed: uniqueness is on this.
    name_key     TEXT NOT NULL,
    tag          TEXT NOT NULL CHECK (tag ~ '^[A-Z0-9]{2,5}$'),
    description  TEXT NOT NULL DEFAULT '',
    visibility   TEXT NOT NULL CHECK (visibility IN ('open', 'invite_only', 'private')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT groups_name_key_unique UNIQUE (name_key)
);

CREATE TABLE group_members (
    group_id   UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Join order: the member list's cursor, and who inherits a group whose owner's account goes.
    position   BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (group_id, user_id)
);
CREATE UNIQUE INDEX group_members_one_owner ON group_members (group_id) WHERE role = 'owner';
CREATE INDEX group_members_user_idx ON group_members (user_id);
CREATE INDEX group_members_order_idx ON group_members (group_id, position);

-- Invite codes made by the owner or an admin: they expire and are good for a bounded number of
-- joins.
CREATE TABLE group_invites (
    code        TEXT PRIMARY KEY,
    group_id    UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    created_by  UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    max_uses    INT NOT NULL CHECK (max_uses > 0),
    uses        INT NOT NULL DEFAULT 0,
    CONSTRAINT group_invites_uses_bounded CHECK (uses >= 0 AND uses <= max_uses)
);
CREATE INDEX group_invites_group_idx ON group_invites (group_id);

-- Battles: a challenge between two players or two groups, played as one match. Each side's
-- players are listed in battle_players; the battle's lobby id is its match id, so the match's
-- result finishes the battle in the same transaction that records the match.
CREATE TABLE battles (
    id                UUID PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('players', 'groups')),
    challenger_id     UUID REFERENCES users (id) ON DELETE SET NULL,
    opponent_id       UUID REFERENCES users (id) ON DELETE SET NULL,
    challenger_group  UUID REFERENCES groups (id) ON DELETE SET NULL,
    opponent_group    UUID REFERENCES groups (id) ON DELETE SET NULL,
    state             TEXT NOT NULL CHECK (state IN ('open', 'playing', 'finished')),
    lobby_id          UUID UNIQUE,
    -- challenger, opponent or draw; set once, when the match is recorded.
    winner            TEXT CHECK (winner IN ('challenger', 'opponent', 'draw')),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    began_at          TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    CONSTRAINT battles_sides CHECK (
        (kind = 'players' AND challenger_group IS NULL AND opponent_group IS NULL)
        OR kind = 'groups'
    ),
    CONSTRAINT battles_finished_has_winner CHECK ((state = 'finished') = (winner IS NOT NULL))
);
CREATE INDEX battles_lobby_idx ON battles (lobby_id) WHERE state = 'playing';

CREATE TABLE battle_players (
    battle_id  UUID NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    side       TEXT NOT NULL CHECK (side IN ('challenger', 'opponent')),
    joined_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (battle_id, user_id)
);
CREATE INDEX battle_players_user_idx ON battle_players (user_id);
