-- Notifications to players (a durable queue the notifier drains), the Telegram chats players
-- linked, and product analytics events (append-only).

-- One row per notification. Producers insert with a unique idempotency key, so a producer that
-- retries never enqueues twice. The notifier claims due rows with FOR UPDATE SKIP LOCKED:
--   pending  -> sending  (claimed; next_attempt_at is then the lease's end: if the claimant dies,
--                         the row is due again when the lease runs out)
--   sending  -> sent | skipped | failed, or back to pending with a later next_attempt_at (retry).
CREATE TABLE notifications (
    id               BIGSERIAL PRIMARY KEY,
    user_id          UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('match_found', 'battle_invitation', 'leaderboard_overtaken')),
    payload          JSONB NOT NULL DEFAULT '{}',
    idempotency_key  TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
    attempts         INT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The claim that holds the row while it is `sending`; marks from an older claim are ignored.
    claim_id         UUID,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at      TIMESTAMPTZ,
    CONSTRAINT notifications_idempotency_key_unique UNIQUE (idempotency_key)
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at, id)
    WHERE status IN ('pending', 'sending');
CREATE INDEX notifications_user_idx ON notifications (user_id);

-- The Telegram chat of each account that linked one. A chat belongs to one account at a time.
-- dead_at is set when Telegram refuses the chat for good (the user blocked the bot, or the chat is
-- gone): nothing more is sent there until the user links again.
CREATE TABLE telegram_links (
    user_id      UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    chat_id      BIGINT NOT NULL,
    linked_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    dead_at      TIMESTAMPTZ,
    dead_reason  TEXT,
    CONSTRAINT telegram_links_chat_unique UNIQUE (chat_id)
);

-- Short-lived, single-use codes that link a chat (`/start <code>`); stored as SHA-256 hashes.
CREATE TABLE telegram_link_codes (
    code_hash   BYTEA PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX telegram_link_codes_user_idx ON telegram_link_codes (user_id);

-- Product analytics: append-only, one row per event (docs/ANALYTICS.md). Events written inside a
-- business transaction land exactly when it commits. Deleting an account keeps its events for the
-- aggregates but drops the link to the person (user_id becomes NULL).
CREATE TABLE analytics_events (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL CHECK (name ~ '^[a-z][a-z_]{0,47}$'),
    version      SMALLINT NOT NULL DEFAULT 1,
    user_id      UUID REFERENCES users (id) ON DELETE SET NULL,
    occurred_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    properties   JSONB NOT NULL DEFAULT '{}',
    -- Set for events recorded outside a business transaction that a retry could repeat.
    dedup_key    TEXT,
    CONSTRAINT analytics_events_dedup_unique UNIQUE (dedup_key)
);
CREATE INDEX analytics_events_occurred_idx ON analytics_events (occurred_at, id);
CREATE INDEX analytics_events_user_idx ON analytics_events (user_id);
