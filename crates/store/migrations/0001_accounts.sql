-- Accounts, guest devices and refresh-token sessions.

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    -- Login name as typed (NULL for guests); username_key is its lower-case form for uniqueness.
    username       TEXT,
    username_key   TEXT,
    password_hash  TEXT,
    display_name   TEXT NOT NULL,
    avatar_id      TEXT,
    is_guest       BOOLEAN NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_username_key_unique UNIQUE (username_key),
    CONSTRAINT users_guest_or_full CHECK (
        (is_guest AND username IS NULL AND username_key IS NULL AND password_hash IS NULL)
        OR (NOT is_guest AND username IS NOT NULL AND username_key IS NOT NULL AND password_hash IS NOT NULL)
    )
);

CREATE TABLE guest_devices (
    device_id   TEXT PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX guest_devices_user_idx ON guest_devices (user_id);

-- One row per refresh token ever issued. A session is a family: each refresh rotates to a new
-- row of the same family; presenting a rotated token again revokes the whole family.
CREATE TABLE refresh_tokens (
    token_hash  BYTEA PRIMARY KEY,
    family_id   UUID NOT NULL,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    rotated_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
