-- The operator console: staff accounts with a role, the audit log of everything they do, and
-- player bans.

-- Staff who sign in to the console. Separate from `users`: a staff account is never a player,
-- its tokens are of their own kind, and deleting a player never touches it.
CREATE TABLE admins (
    id             UUID PRIMARY KEY,
    -- As typed; username_key is its lower-case form for uniqueness.
    username       TEXT NOT NULL,
    username_key   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('viewer', 'support', 'admin')),
    -- A disabled admin's tokens stop working at their next request.
    disabled_at    TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT admins_username_key_unique UNIQUE (username_key)
);

-- One row per thing a staff member did: who, what, to whom, when, and the state before and after.
-- Rows are never updated or deleted: the trigger below refuses UPDATE, DELETE and TRUNCATE for
-- every role, so no API bug, SQL injection or console user can edit or remove one. The actor
-- columns are copied (not only referenced) so the row reads the same whatever happens later.
CREATE TABLE admin_audit (
    id              BIGSERIAL PRIMARY KEY,
    -- NULL for actions taken on the command line (`whoosh admin create`).
    admin_id        UUID REFERENCES admins (id) ON DELETE RESTRICT,
    admin_username  TEXT NOT NULL,
    admin_role      TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action ~ '^[a-z][a-z_]{1,47}$'),
    -- The player acted on, when there is one; no foreign key: the row outlives the account.
    target_user     UUID,
    -- What else was acted on (a session id, a board id, an admin username).
    target          TEXT,
    reason          TEXT,
    before          JSONB,
    after           JSONB,
    request_id      TEXT,
    client_ip       TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_target_user_idx ON admin_audit (target_user, id DESC) WHERE target_user IS NOT NULL;
CREATE INDEX admin_audit_admin_idx ON admin_audit (admin_id, id DESC);

CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit rows are append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER admin_audit_no_update_or_delete BEFORE UPDATE OR DELETE ON admin_audit
    FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only();
CREATE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON admin_audit
    FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_append_only();

-- A banned player cannot log in, refresh or play as a guest; the ban also ends every session.
ALTER TABLE users ADD COLUMN banned_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN ban_reason TEXT;
