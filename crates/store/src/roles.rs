//! The PostgreSQL roles of a deployment. The migration role owns the schema and everything the
//! migrations make; the application role, which every service logs in as, may read and write rows
//! and nothing more (no DDL, no TRUNCATE, no ownership). `whoosh migrate` provisions both as an
//! administrator (on Aurora, the RDS master user) before it migrates as the migration role, so a
//! fresh cluster needs no hand-written SQL and the master password is used by nothing else.
//!
//! Provisioning is idempotent and also adopts a database that was migrated as the administrator
//! before: what it owns in the schema `public` passes to the migration role.

use sqlx::PgPool;

/// Who is who. Names are checked to be plain lowercase identifiers, so they can be quoted into
/// statements that take no parameters (CREATE ROLE, GRANT).
#[derive(Debug, Clone)]
pub struct Roles {
    /// Logs in for the services: DML on every table, sequences, nothing else.
    pub app: String,
    /// Logs in for `whoosh migrate`: owns the schema and its objects.
    pub migration: String,
    /// Grant both `rds_iam`, the RDS role that makes a login take IAM authentication tokens.
    pub iam: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RolesError {
    #[error(
        "role name {0:?} must be a lowercase identifier of at most 63 characters (a-z, 0-9, _)"
    )]
    BadName(String),
    #[error("the application and migration roles must differ")]
    SameRole,
    #[error(
        "IAM database authentication asked for, but this server has no rds_iam role (not RDS/Aurora?)"
    )]
    NoRdsIam,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn checked(name: &str) -> Result<&str, RolesError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(RolesError::BadName(name.to_owned()))
    }
}

/// Creates the roles when missing and gives them exactly their rights, in one transaction, as the
/// administrator `admin` is connected as.
pub async fn provision(admin: &PgPool, roles: &Roles) -> Result<(), RolesError> {
    let app = checked(&roles.app)?;
    let migration = checked(&roles.migration)?;
    if app == migration {
        return Err(RolesError::SameRole);
    }
    let mut tx = admin.begin().await?;
    for role in [app, migration] {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
                .bind(role)
                .fetch_one(&mut *tx)
                .await?;
        if !exists {
            sqlx::query(&format!(r#"CREATE ROLE "{role}" LOGIN"#))
                .execute(&mut *tx)
                .await?;
        }
    }
    if roles.iam {
        let rds_iam: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam')")
                .fetch_one(&mut *tx)
                .await?;
        if !rds_iam {
            return Err(RolesError::NoRdsIam);
        }
        sqlx::query(&format!(r#"GRANT rds_iam TO "{app}", "{migration}""#))
            .execute(&mut *tx)
            .await?;
    }
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut *tx)
        .await?;
    let statements = [
        // Handing objects to a role and setting its default privileges takes membership in it
        // (the RDS master is no superuser).
        format!(r#"GRANT "{migration}" TO CURRENT_USER"#),
        format!(r#"GRANT CONNECT ON DATABASE "{database}" TO "{app}", "{migration}""#),
        format!(r#"ALTER SCHEMA public OWNER TO "{migration}""#),
        format!(r#"REVOKE CREATE ON SCHEMA public FROM PUBLIC, "{app}""#),
        format!(r#"GRANT USAGE ON SCHEMA public TO "{app}""#),
    ];
    for statement in &statements {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    // Adopt what an earlier migration as the administrator left in the schema.
    let adopt: Vec<String> = sqlx::query_scalar(
        "SELECT format('ALTER TABLE public.%I OWNER TO %I', c.relname, $1::text)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
            AND pg_get_userbyid(c.relowner) <> $1
         UNION ALL
         SELECT format('ALTER SEQUENCE public.%I OWNER TO %I', c.relname, $1::text)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'S'
            AND pg_get_userbyid(c.relowner) <> $1
            AND NOT EXISTS (SELECT 1 FROM pg_depend d
                             WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
         UNION ALL
         SELECT format('ALTER FUNCTION public.%I(%s) OWNER TO %I',
                       p.proname, pg_get_function_identity_arguments(p.oid), $1::text)
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> $1",
    )
    .bind(migration)
    .fetch_all(&mut *tx)
    .await?;
    for statement in &adopt {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    let grants = [
        format!(
            r#"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app}""#
        ),
        format!(r#"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app}""#),
        // What later migrations create, as the migration role, is the application's to use too.
        format!(
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "{migration}" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}""#
        ),
        format!(
            r#"ALTER DEFAULT PRIVILEGES FOR ROLE "{migration}" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{app}""#
        ),
    ];
    for statement in &grants {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
