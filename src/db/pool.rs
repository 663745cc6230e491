//! The connection pool: bounded in size and in how long a request may wait for a connection
//! (a timeout becomes a 503 with `Retry-After`, never an unbounded queue), and every
//! connection carries a statement timeout.

use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::FutureExt;

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: usize,
    /// How long a request waits for a free connection before answering 503.
    pub wait_timeout: Duration,
    /// Longest a single statement may run before PostgreSQL cancels it.
    pub statement_timeout: Duration,
}

impl PoolSettings {
    /// Twice this machine's cores, and never fewer than 4: PostgreSQL's rule of thumb for the
    /// connections that keep a database's cores busy. More backends than that only take turns
    /// on the same cores: on 2 cores, pools of 6, 8 and 16 gave the catalogue a longer p99 than
    /// a pool of 4 for no more throughput, while writes, which wait for their commits, lost
    /// about a sixth of their rate (BENCHMARKS.md). A database on a host of its own wants the
    /// figure for that host (`--pool-size`).
    pub fn default_max_size() -> usize {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        (2 * cores).max(4)
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: Self::default_max_size(),
            wait_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

pub fn build_pool(database_url: &str, settings: &PoolSettings) -> DbPool {
    let statement_timeout_ms = settings.statement_timeout.as_millis();
    let mut config = ManagerConfig::default();
    // The default check runs `SELECT 1` on every checkout: a second round trip per request.
    // A connection that died is reported on first use instead (as a 503) and then discarded.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        async move {
            let mut connection = AsyncPgConnection::establish(&url).await?;
            diesel::sql_query(format!("SET statement_timeout = {statement_timeout_ms}"))
                .execute(&mut connection)
                .await
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
            Ok(connection)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(settings.max_size)
        .wait_timeout(Some(settings.wait_timeout))
        .create_timeout(Some(settings.wait_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .expect("a pool with a runtime and no post-create hooks always builds")
}
