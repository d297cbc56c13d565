-- Economy: currencies, wallets, the append-only ledger, the store catalogue, inventories, and
-- idempotency records for purchases and grants.

-- A currency is a row of data: adding one needs no code.
CREATE TABLE currencies (
    code  TEXT PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,15}$'),
    name  TEXT NOT NULL
);
INSERT INTO currencies (code, name) VALUES ('coins', 'Coins'), ('gems', 'Gems');

CREATE TABLE wallets (
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    currency    TEXT NOT NULL REFERENCES currencies (code),
    balance     BIGINT NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, currency),
    CONSTRAINT wallets_balance_non_negative CHECK (balance >= 0)
);

-- Every change of a balance, written in the same transaction as the change. Rows are never
-- updated or deleted (a trigger refuses it); deleting an account anonymises its rows instead.
CREATE TABLE ledger (
    id               BIGSERIAL PRIMARY KEY,
    user_id          UUID REFERENCES users (id) ON DELETE SET NULL,
    currency         TEXT NOT NULL REFERENCES currencies (code),
    amount           BIGINT NOT NULL CHECK (amount <> 0),
    balance_after    BIGINT NOT NULL CHECK (balance_after >= 0),
    reason           TEXT NOT NULL,
    reference        TEXT,
    idempotency_key  TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ledger_user_idx ON ledger (user_id, id DESC);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
       AND (NEW.id, NEW.currency, NEW.amount, NEW.balance_after, NEW.reason, NEW.reference, NEW.idempotency_key, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.currency, OLD.amount, OLD.balance_after, OLD.reason, OLD.reference, OLD.idempotency_key, OLD.created_at)
    THEN
        RETURN NEW; -- anonymisation on account deletion
    END IF;
    RAISE EXCEPTION 'ledger rows are append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE TABLE store_items (
    id              TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,47}$'),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('avatar', 'title', 'consumable')),
    price           BIGINT NOT NULL CHECK (price > 0),
    currency        TEXT NOT NULL REFERENCES currencies (code),
    active          BOOLEAN NOT NULL DEFAULT true,
    -- Most units one user may ever buy; NULL for no limit.
    per_user_limit  INT CHECK (per_user_limit > 0),
    sort_order      INT NOT NULL DEFAULT 0
);

INSERT INTO store_items (id, name, description, kind, price, currency, per_user_limit, sort_order) VALUES
    ('avatar-fox',        'Fox',             'Quick, clever, and never the mole. Probably.',   'avatar',     100, 'coins', 1, 10),
    ('avatar-owl',        'Owl',             'Sees everything. Says little.',                   'avatar',     150, 'coins', 1, 20),
    ('avatar-octopus',    'Octopus',         'Eight arms, eight alibis.',                       'avatar',     250, 'coins', 1, 30),
    ('avatar-cat-noir',   'Cat Noir',        'For players who prefer the shadows.',             'avatar',       5, 'gems',  1, 40),
    ('title-sleuth',      'Sleuth',          'A title for those who read the room.',            'title',      200, 'coins', 1, 50),
    ('title-mole-whisperer', 'Mole Whisperer', 'You always know. Somehow.',                      'title',      400, 'coins', 1, 60),
    ('hint-breaking-news','Extra Headline',  'One extra breaking-news headline in a match.',    'consumable',  50, 'coins', NULL, 70);

-- What a user owns. purchased_total counts every unit ever bought (for per-user limits).
CREATE TABLE inventory (
    user_id          UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_id          TEXT NOT NULL REFERENCES store_items (id),
    quantity         BIGINT NOT NULL CHECK (quantity >= 0),
    purchased_total  BIGINT NOT NULL CHECK (purchased_total >= 0),
    acquired_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, item_id)
);

ALTER TABLE users ADD COLUMN title_id TEXT;

-- The first successful answer to each (user, scope, key), replayed to retries. Kept at least
-- 24 hours (rows are small; pruning older ones is an operator task, see docs/OPERATIONS.md).
CREATE TABLE idempotency_keys (
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  BYTEA NOT NULL,
    status        SMALLINT NOT NULL,
    response      JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
