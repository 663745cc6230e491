//! Schema migrations (the SQL in `migrations/`, embedded in the binary) and creating the
//! database itself when the embedded cluster starts empty.

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Any process may migrate at start-up; this advisory lock makes concurrent starts take turns.
const MIGRATION_LOCK_KEY: i64 = 0x6d61_7468_7368_7562; // "mathshub"

pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration. Needs a multi-thread Tokio runtime (diesel's harness is
/// synchronous and runs inside `block_in_place`).
pub async fn run_pending(database_url: &str) -> Result<usize, MigrationError> {
    let mut connection = AsyncPgConnection::establish(database_url).await?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
        .execute(&mut connection)
        .await?;
    let mut harness = AsyncMigrationHarness::new(connection);
    let applied = harness
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.len());
    let mut connection = harness.into_inner();
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
        .execute(&mut connection)
        .await?;
    applied
}

/// Reverts every applied migration, newest first (used by the migration round-trip test).
pub async fn revert_all(database_url: &str) -> Result<usize, MigrationError> {
    let connection = AsyncPgConnection::establish(database_url).await?;
    let mut harness = AsyncMigrationHarness::new(connection);
    let count = MigrationSource::<Pg>::migrations(&MIGRATIONS)?.len();
    for _ in 0..count {
        harness.revert_last_migration(MIGRATIONS)?;
    }
    Ok(count)
}

#[derive(diesel::prelude::QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

/// Creates `database` on the server `maintenance_url` points at unless it exists; says
/// whether it created it.
pub async fn ensure_database(
    maintenance_url: &str,
    database: &str,
) -> Result<bool, MigrationError> {
    let mut connection = AsyncPgConnection::establish(maintenance_url).await?;
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(database)
            .get_result(&mut connection)
            .await?;
    if found.exists {
        return Ok(false);
    }
    diesel::sql_query(format!("CREATE DATABASE {}", quote_identifier(database)))
        .execute(&mut connection)
        .await?;
    Ok(true)
}

/// Quotes an SQL identifier (database names cannot be bound as parameters).
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
