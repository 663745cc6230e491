//! The connection pool: bounded in size and in how long a request may wait for a connection
//! (a timeout becomes a 503 with `Retry-After`, never an unbounded queue), and every
//! connection carries a statement timeout.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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

/// The HTTP workers' connections: a pool of its own for each worker, made on the worker's
/// thread, the pool size shared out among them.
///
/// A connection's driver task runs on the runtime of the thread that opened it, and each actix
/// worker is a single-threaded runtime. A pool shared by the workers hands connections from
/// one thread to the other, so a query can wait for the other worker to yield before it
/// reaches the socket, and again before its answer is read. Pools of their own keep each
/// query on one thread: about 15 % more list requests per second at the same total of
/// connections (BENCHMARKS.md, "A pool for each worker").
#[derive(Clone)]
pub struct WorkerPools {
    database_url: Arc<str>,
    settings: PoolSettings,
    workers: usize,
    /// Counts the workers started; the count modulo `workers` is a worker's slot (a worker
    /// that actix restarts takes the next slot round, and with it the share and place of
    /// the one it replaces).
    started: Arc<AtomicUsize>,
    by_slot: Arc<Mutex<Vec<Option<DbPool>>>>,
}

impl WorkerPools {
    /// `settings.max_size` connections in all among `workers` workers (at least one each).
    pub fn new(database_url: &str, settings: PoolSettings, workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            database_url: database_url.into(),
            settings,
            workers,
            started: Arc::default(),
            by_slot: Arc::new(Mutex::new(vec![None; workers])),
        }
    }

    /// The pool of a worker starting now; call once per worker, on its thread.
    pub fn for_starting_worker(&self) -> DbPool {
        let slot = self.started.fetch_add(1, Ordering::Relaxed) % self.workers;
        let settings = PoolSettings {
            max_size: self.share(slot),
            ..self.settings.clone()
        };
        let pool = build_pool(&self.database_url, &settings);
        self.slots()[slot] = Some(pool.clone());
        pool
    }

    /// The pool of the worker in `slot`, once that worker has started.
    pub fn of_worker(&self, slot: usize) -> Option<DbPool> {
        self.slots().get(slot).cloned().flatten()
    }

    /// Every started worker's pool as one: sizes, free connections and waiters summed.
    pub fn status(&self) -> deadpool::Status {
        self.slots().iter().flatten().map(DbPool::status).fold(
            deadpool::Status {
                max_size: 0,
                size: 0,
                available: 0,
                waiting: 0,
            },
            |total, pool| deadpool::Status {
                max_size: total.max_size + pool.max_size,
                size: total.size + pool.size,
                available: total.available + pool.available,
                waiting: total.waiting + pool.waiting,
            },
        )
    }

    /// The connections of the worker in `slot`: an even share, the first slots taking one
    /// more each while the total does not divide evenly, and never none.
    fn share(&self, slot: usize) -> usize {
        let total = self.settings.max_size;
        let extra = usize::from(slot < total % self.workers);
        (total / self.workers + extra).max(1)
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Vec<Option<DbPool>>> {
        // A panic elsewhere while the lock was held leaves the list whole: use it.
        self.by_slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pools(max_size: usize, workers: usize) -> WorkerPools {
        let settings = PoolSettings {
            max_size,
            ..PoolSettings::default()
        };
        WorkerPools::new("postgres://nobody@127.0.0.1:1/none", settings, workers)
    }

    #[test]
    fn the_pool_size_is_shared_out_among_the_workers_and_none_goes_without() {
        let shares = |max_size, workers| {
            let pools = pools(max_size, workers);
            (0..workers)
                .map(|slot| pools.share(slot))
                .collect::<Vec<_>>()
        };
        assert_eq!(shares(4, 2), [2, 2]);
        assert_eq!(shares(5, 2), [3, 2]);
        assert_eq!(shares(16, 3), [6, 5, 5]);
        assert_eq!(shares(1, 2), [1, 1]);
    }

    #[tokio::test]
    async fn status_sums_the_started_workers_pools_and_a_restarted_worker_takes_its_slot() {
        let pools = pools(5, 2);
        assert_eq!(pools.status().max_size, 0);
        pools.for_starting_worker();
        assert_eq!(pools.status().max_size, 3);
        pools.for_starting_worker();
        assert_eq!(pools.status().max_size, 5);
        // A third start replaces the first slot's pool rather than adding one.
        pools.for_starting_worker();
        assert_eq!(pools.status().max_size, 5);
        assert!(pools.of_worker(1).is_some());
        assert!(pools.of_worker(2).is_none());
    }
}
