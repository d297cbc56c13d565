//! The deployment's database roles on a real server: the migration role owns the schema and can
//! migrate it, the application role can do what the services do (read and write rows, the
//! ledger's trigger included) and nothing more, and provisioning adopts a database that was
//! migrated as the administrator before.

#![allow(clippy::unwrap_used)]

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;
use whoosh_core::{DeviceId, DisplayName};
use whoosh_store::economy::{self, Idempotency};
use whoosh_store::roles::{self, Roles, RolesError};
use whoosh_test_support::TestDb;

/// The SQLSTATE of a refused statement.
async fn refused(pool: &PgPool, sql: &str) -> String {
    let error = sqlx::query(sql)
        .execute(pool)
        .await
        .expect_err(&format!("{sql} must be refused"));
    error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
        .unwrap_or_else(|| panic!("{sql}: not a database error: {error}"))
}

#[tokio::test]
async fn the_application_role_plays_and_pays_but_cannot_change_the_schema() {
    let db = TestDb::create_with_roles().await;
    let r = db.roles.clone().unwrap();
    let app = PgPool::connect(&db.url).await.unwrap();
    let who: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&app)
        .await
        .unwrap();
    assert_eq!(who, r.app);

    // What the services do: accounts, a grant and a purchase through the ledger (its trigger
    // runs), the balance read back.
    let device = DeviceId::parse(&Uuid::new_v4().to_string()).unwrap();
    let (user, _) =
        whoosh_store::accounts::guest_for_device(&app, &device, &DisplayName::parse("p").unwrap())
            .await
            .unwrap();
    let idem = Idempotency {
        scope: "grant:test",
        key: "g1",
        request_hash: b"500",
    };
    economy::grant(&app, user.id, idem, "coins", 500, "grant", None, |g| {
        (201, json!(g))
    })
    .await
    .unwrap();
    let idem = Idempotency {
        scope: "purchase",
        key: "p1",
        request_hash: b"avatar-fox:1",
    };
    economy::purchase(&app, user.id, idem, "avatar-fox", 1, |p| (201, json!(p)))
        .await
        .unwrap();
    let left = economy::ledger_sum(&app, user.id, "coins").await.unwrap();
    assert!((0..500).contains(&left), "{left}");

    // What they must never do: each refused with 42501 (insufficient_privilege).
    assert_eq!(refused(&app, "CREATE TABLE sneaky (id int)").await, "42501");
    assert_eq!(refused(&app, "DROP TABLE users").await, "42501");
    assert_eq!(
        refused(&app, "ALTER TABLE users ADD COLUMN sneaky int").await,
        "42501"
    );
    assert_eq!(refused(&app, "TRUNCATE ledger").await, "42501");
    assert_eq!(refused(&app, "CREATE ROLE sneaky").await, "42501");
    app.close().await;
}

#[tokio::test]
async fn the_migration_role_owns_the_schema_and_what_it_makes_is_the_applications_to_use() {
    let db = TestDb::create_with_roles().await;
    let r = db.roles.clone().unwrap();
    let migration = PgPool::connect(&db.url_as(&r.migration)).await.unwrap();
    let foreign: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v')
            AND pg_get_userbyid(c.relowner) <> $1",
    )
    .bind(&r.migration)
    .fetch_all(&migration)
    .await
    .unwrap();
    assert!(
        foreign.is_empty(),
        "not owned by the migration role: {foreign:?}"
    );
    // Migrating again is a no-op; a later migration's table is usable by the services at once.
    whoosh_store::MIGRATOR.run(&migration).await.unwrap();
    sqlx::query("CREATE TABLE later_migration (id BIGSERIAL PRIMARY KEY, note TEXT)")
        .execute(&migration)
        .await
        .unwrap();
    migration.close().await;
    let app = PgPool::connect(&db.url).await.unwrap();
    sqlx::query("INSERT INTO later_migration (note) VALUES ('ok')")
        .execute(&app)
        .await
        .unwrap();
    assert_eq!(refused(&app, "DROP TABLE later_migration").await, "42501");
    app.close().await;
}

#[tokio::test]
async fn provisioning_adopts_a_database_migrated_as_the_administrator_and_runs_twice() {
    // A database migrated as the administrator, as a deployment before the roles existed was.
    let db = TestDb::create().await;
    let admin = PgPool::connect(&db.url).await.unwrap();
    let suffix = Uuid::new_v4().simple().to_string();
    let r = Roles {
        app: format!("adopt_{suffix}_app"),
        migration: format!("adopt_{suffix}_migrate"),
        iam: false,
    };
    roles::provision(&admin, &r).await.unwrap();
    roles::provision(&admin, &r).await.unwrap();
    let owners: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT pg_get_userbyid(c.relowner)::text FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S')",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(owners, vec![r.migration.clone()]);
    let app = PgPool::connect(&db.url_as(&r.app)).await.unwrap();
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app)
        .await
        .unwrap();
    assert_eq!(users, 0);
    app.close().await;
    // Roles are the server's: this test's go with it (the database first, which holds their grants).
    drop(db);
    admin.close().await;
    let server = PgPool::connect(&whoosh_test_support::admin_database_url())
        .await
        .unwrap();
    for role in [&r.app, &r.migration] {
        sqlx::query(&format!(r#"DROP ROLE IF EXISTS "{role}""#))
            .execute(&server)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn bad_role_names_and_iam_without_rds_are_refused() {
    let db = TestDb::create().await;
    let admin = PgPool::connect(&db.url).await.unwrap();
    let named = |app: &str, migration: &str, iam| Roles {
        app: app.into(),
        migration: migration.into(),
        iam,
    };
    assert!(matches!(
        roles::provision(&admin, &named("x\"; DROP", "m", false)).await,
        Err(RolesError::BadName(_))
    ));
    assert!(matches!(
        roles::provision(&admin, &named("same", "same", false)).await,
        Err(RolesError::SameRole)
    ));
    // Plain PostgreSQL has no rds_iam: asking for IAM logins there is a clear error, not a
    // half-provisioned database (the transaction rolls back, no role is left behind).
    let suffix = Uuid::new_v4().simple().to_string();
    let (a, m) = (format!("iam_{suffix}_app"), format!("iam_{suffix}_migrate"));
    assert!(matches!(
        roles::provision(&admin, &named(&a, &m, true)).await,
        Err(RolesError::NoRdsIam)
    ));
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_roles WHERE rolname IN ($1, $2)")
        .bind(&a)
        .bind(&m)
        .fetch_one(&admin)
        .await
        .unwrap();
    assert_eq!(left, 0);
    admin.close().await;
}
