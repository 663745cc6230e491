//! A PostgreSQL server that mathshub runs itself, in a data folder of its
//! own, so it works out of the box without a separately installed and
//! configured database server. Uses the PostgreSQL programs already
//! installed on the machine; blocking (it runs `initdb` and `pg_ctl`).
//!
//! One process at a time runs the server of a data folder (it holds the
//! folder's lock, and restarts the server should it die while serving);
//! commands run beside it join that server rather than start another.

mod binaries;
mod cluster;
mod recovery;
mod runner;
mod running;
mod supervisor;

use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use binaries::Binaries;
use cluster::SUPERUSER;
use recovery::PidFileState;
use runner::{Runner, io_error};
pub use running::RunningCluster;
use supervisor::Supervisor;

use crate::observability::Liveness;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "the PostgreSQL server programs (initdb, pg_ctl, postgres) were not found on PATH, in `pg_config --bindir` \
         or under /usr/lib/postgresql/<version>/bin. Install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`), \
         or set DATABASE_URL to use an existing PostgreSQL server instead of the embedded one. Folders searched: {}",
        display_paths(searched)
    )]
    BinariesNotFound { searched: Vec<PathBuf> },

    #[error(
        "the embedded database in {} is already used by another mathshub process, which runs its PostgreSQL server: \
         commands such as `mathshub user create` work beside it, a second server does not. Stop that process, \
         or set MATHSHUB_DATA_DIR to another folder or DATABASE_URL to an existing PostgreSQL server",
        data_dir.display()
    )]
    InUse { data_dir: PathBuf },

    #[error(
        "the embedded database in {} is held by another mathshub process, but its PostgreSQL server did not \
         become ready within {} s; retry once that process has started (or stopped)",
        data_dir.display(), JOIN_WAIT.as_secs()
    )]
    NotReady { data_dir: PathBuf },

    #[error(
        "mathshub runs as root, but PostgreSQL refuses to run as root and there is no `postgres` OS user to run it as. \
         Install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`, which creates that user) \
         or run mathshub as an ordinary user"
    )]
    PostgresUserMissing,

    #[error(
        "mathshub runs as root, so the embedded PostgreSQL server runs as the `postgres` OS user, \
         but that user cannot reach the data folder {} (it may not enter {}). Set MATHSHUB_DATA_DIR to a folder \
         the `postgres` user can reach (such as one under /var/lib), or open {} to it (e.g. `chmod o+x`)",
        data_dir.display(), blocked.display(), blocked.display()
    )]
    DataDirUnreachable { data_dir: PathBuf, blocked: PathBuf },

    #[error(
        "{} holds a database cluster, but its password file {} is missing or empty, so mathshub cannot connect. \
         Restore that file, or delete the folder {} to start with a new, empty database",
        pgdata.display(), credentials.display(), pgdata.display()
    )]
    CredentialsMissing {
        credentials: PathBuf,
        pgdata: PathBuf,
    },

    #[error(
        "{} exists but is not a PostgreSQL cluster (it has no PG_VERSION file). \
         Move it away or delete it so that mathshub can create a fresh cluster there",
        pgdata.display()
    )]
    NotACluster { pgdata: PathBuf },

    #[error("invalid PostgreSQL setting name {name:?}: use only letters, digits, '_' and '.'")]
    InvalidSetting { name: String },

    #[error(
        "PostgreSQL server processes {pids:?} from an earlier run are still working in {} and did not exit \
         even when killed; stop them before starting mathshub again",
        pgdata.display()
    )]
    LeftoverProcesses { pids: Vec<i32>, pgdata: PathBuf },

    #[error("{what} failed: {detail}")]
    CommandFailed { what: String, detail: String },

    #[error(
        "the embedded PostgreSQL server did not start (tried {attempts} time(s)): {detail}\nLast lines of {}:\n{log_tail}",
        log_file.display()
    )]
    StartFailed {
        attempts: u32,
        detail: String,
        log_file: PathBuf,
        log_tail: String,
    },

    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
}

fn display_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    if shown.is_empty() {
        "none".to_string()
    } else {
        shown.join(", ")
    }
}

/// The server's log, in the data folder.
const SERVER_LOG: &str = "postgres.log";

/// Longest a command waits for a server that another mathshub process is
/// still starting (as long as `pg_ctl start` itself waits).
const JOIN_WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Default)]
pub struct EmbeddedOptions {
    /// Holds the cluster (`pgdata`), the server log, the password and the lock.
    pub data_dir: PathBuf,
    /// Extra server settings, passed as `-c name=value` on each start.
    pub server_settings: Vec<(String, String)>,
}

/// The embedded cluster as a command uses it: either started by this process
/// (and stopped when the handle is dropped) or run by another mathshub
/// process (and left alone).
#[derive(Debug)]
pub enum EmbeddedCluster {
    Started(EmbeddedPostgres),
    Running(RunningCluster),
}

impl EmbeddedCluster {
    /// Joins the server another mathshub process runs in the data folder, or
    /// starts one when none does: never two servers on one folder. A server
    /// that process is still starting is waited for, within [`JOIN_WAIT`].
    pub fn start_or_join(options: &EmbeddedOptions) -> Result<Self, EmbeddedError> {
        let deadline = Instant::now() + JOIN_WAIT;
        loop {
            let data_dir = match EmbeddedPostgres::start(options) {
                Err(EmbeddedError::InUse { data_dir }) => data_dir,
                started => return started.map(Self::Started),
            };
            if let Some(running) = RunningCluster::find(&data_dir)? {
                return Ok(Self::Running(running));
            }
            if Instant::now() >= deadline {
                return Err(EmbeddedError::NotReady { data_dir });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Connection URL for `database`, including the password.
    pub fn url(&self, database: &str) -> String {
        match self {
            Self::Started(server) => server.url(database),
            Self::Running(server) => server.url(database),
        }
    }

    pub fn data_dir(&self) -> &Path {
        match self {
            Self::Started(server) => server.data_dir(),
            Self::Running(server) => server.data_dir(),
        }
    }
}

/// A running embedded server. The data folder stays locked to this process
/// for the handle's lifetime; dropping the handle stops the server.
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    postmaster: Postmaster,
    password: String,
    running: bool,
    /// Set while the server is supervised (see [`Self::supervise`]).
    supervisor: Option<Supervisor>,
    // Last field so it is released only after Drop has stopped the server.
    _lock: File,
}

impl EmbeddedPostgres {
    /// Starts the server, creating the cluster on first use and clearing up
    /// after an earlier mathshub process that was killed.
    pub fn start(options: &EmbeddedOptions) -> Result<Self, EmbeddedError> {
        // Everything that can fail without touching the disk comes first,
        // so a machine without PostgreSQL is left as it was.
        let binaries = binaries::locate()?;
        let runner = Runner::for_current_user()?;
        let server_options = cluster::server_options(&options.server_settings)?;
        let data_dir = std::path::absolute(&options.data_dir).map_err(|source| {
            io_error(
                format!(
                    "could not resolve the data folder {}",
                    options.data_dir.display()
                ),
                source,
            )
        })?;

        fs::create_dir_all(&data_dir).map_err(|source| {
            io_error(
                format!("could not create the data folder {}", data_dir.display()),
                source,
            )
        })?;
        let lock = lock(&data_dir)?;
        runner.check_reachable(&data_dir)?;

        let pgdata = data_dir.join("pgdata");
        let credentials = data_dir.join("credentials");
        let log_file = data_dir.join(SERVER_LOG);
        let password = if pgdata.join("PG_VERSION").is_file() {
            cluster::read_password(&credentials, &pgdata)?
        } else {
            clear_empty_pgdata(&pgdata)?;
            cluster::initialise(&binaries, &runner, &data_dir, &pgdata, &credentials)?
        };
        runner.give_tree_if_foreign(&pgdata)?;
        cluster::restrict(&pgdata)?;
        cluster::prepare_log(&runner, &log_file)?;
        recover(&binaries, &runner, &pgdata)?;

        let port = cluster::start_server(&binaries, &runner, &pgdata, &log_file, &server_options)?;
        let server = Self {
            data_dir,
            postmaster: Postmaster {
                binaries,
                runner,
                pgdata,
                log_file,
                server_options,
                port,
            },
            password,
            running: true,
            supervisor: None,
            _lock: lock,
        };
        log::info!(
            "embedded PostgreSQL server started at {}",
            server.redacted_url("postgres")
        );
        Ok(server)
    }

    /// Connection URL for `database`, including the password.
    pub fn url(&self, database: &str) -> String {
        connection_url(&percent_encode(&self.password), self.port(), database)
    }

    /// Like [`Self::url`] with the password replaced by `***`, for logs.
    pub fn redacted_url(&self, database: &str) -> String {
        connection_url("***", self.port(), database)
    }

    pub fn port(&self) -> u16 {
        self.postmaster.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// From now until [`Self::stop`], starts the server again whenever its
    /// postmaster dies (see `supervisor`); `liveness` fails while it cannot.
    pub fn supervise(&mut self, liveness: Liveness) -> Result<(), EmbeddedError> {
        self.supervisor = Some(Supervisor::start(self.postmaster.clone(), liveness)?);
        Ok(())
    }

    /// Shuts the server down cleanly; does nothing when already stopped or gone.
    pub fn stop(&mut self) -> Result<(), EmbeddedError> {
        // First, so nothing starts the server again behind our back.
        if let Some(supervisor) = self.supervisor.take() {
            supervisor.stop();
        }
        if !self.running {
            return Ok(());
        }
        if !self.postmaster.is_gone() {
            self.postmaster.stop()?;
        }
        self.running = false;
        log::info!(
            "embedded PostgreSQL server in {} stopped",
            self.data_dir.display()
        );
        Ok(())
    }

    /// Starts the server again after [`Self::stop`], on the same port, so URLs handed out
    /// before still reach it (as a database server restarted by its operator would); does
    /// nothing when it runs.
    pub fn start_again(&mut self) -> Result<(), EmbeddedError> {
        if self.running {
            return Ok(());
        }
        self.postmaster.revive()?;
        self.running = true;
        log::info!(
            "embedded PostgreSQL server in {} started again",
            self.data_dir.display()
        );
        Ok(())
    }

    /// Lets go of the handle as a killed process would: the server keeps
    /// running and the lock is released.
    #[cfg(test)]
    fn abandon(mut self) {
        self.running = false;
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if let Err(err) = self.stop() {
            log::error!("could not stop the embedded PostgreSQL server: {err}");
        }
    }
}

impl fmt::Debug for EmbeddedPostgres {
    // Hand-written so the password never reaches a log through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedPostgres")
            .field("data_dir", &self.data_dir)
            .field("port", &self.port())
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

/// The cluster's server as `pg_ctl` drives it, with everything fixed at the
/// first start (programs, OS user, folder, log, settings, port), so that it
/// can be started again just the same, by the supervisor too.
#[derive(Clone)]
struct Postmaster {
    binaries: Binaries,
    runner: Runner,
    pgdata: PathBuf,
    log_file: PathBuf,
    server_options: String,
    port: u16,
}

impl Postmaster {
    /// Known to be down: stopped, or dead. (When its pid file cannot even be
    /// read, the server is taken to be up, so a stop is still attempted.)
    fn is_gone(&self) -> bool {
        matches!(
            recovery::inspect_pid_file(&self.pgdata),
            Ok(PidFileState::Absent | PidFileState::Stale)
        )
    }

    fn stop(&self) -> Result<(), EmbeddedError> {
        cluster::stop_server(&self.binaries, &self.runner, &self.pgdata, "fast")
    }

    /// Starts the server unless it runs, after clearing what a dead one left
    /// (PostgreSQL then replays its write-ahead log, so every committed
    /// transaction is kept). Says whether it had to.
    fn revive(&self) -> Result<bool, EmbeddedError> {
        if !self.is_gone() {
            return Ok(false);
        }
        recover(&self.binaries, &self.runner, &self.pgdata)?;
        cluster::start_server_on(
            &self.binaries,
            &self.runner,
            &self.pgdata,
            &self.log_file,
            &self.server_options,
            self.port,
            1,
        )
        .map_err(cluster::Refused::into_error)?;
        Ok(true)
    }
}

/// The URL of `database` on the embedded server at `port`, with `password`
/// as given (percent-encoded, or a placeholder for logs).
fn connection_url(password: &str, port: u16, database: &str) -> String {
    format!(
        "postgres://{SUPERUSER}:{password}@127.0.0.1:{port}/{}",
        percent_encode(database)
    )
}

/// Only one process may run the cluster; an OS lock (unlike a lock file's
/// mere presence) vanishes by itself when its holder is killed.
fn lock(data_dir: &Path) -> Result<File, EmbeddedError> {
    let path = data_dir.join("lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|source| {
            io_error(
                format!("could not open the lock file {}", path.display()),
                source,
            )
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(EmbeddedError::InUse {
            data_dir: data_dir.to_path_buf(),
        }),
        Err(TryLockError::Error(source)) => Err(io_error(
            format!("could not lock {}", path.display()),
            source,
        )),
    }
}

/// A `pgdata` without PG_VERSION was not made by us (ours appear whole, by
/// rename); an empty one is harmless, anything else may be someone's data.
fn clear_empty_pgdata(pgdata: &Path) -> Result<(), EmbeddedError> {
    let is_empty = match fs::read_dir(pgdata) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(io_error(
                format!("could not inspect {}", pgdata.display()),
                source,
            ));
        }
        Ok(mut entries) => entries.next().is_none(),
    };
    if !is_empty {
        return Err(EmbeddedError::NotACluster {
            pgdata: pgdata.to_path_buf(),
        });
    }
    fs::remove_dir(pgdata).map_err(|source| {
        io_error(
            format!("could not remove the empty folder {}", pgdata.display()),
            source,
        )
    })
}

/// Deals with a `postmaster.pid` left by a killed mathshub process (or a
/// killed server). We hold the lock, so no other mathshub process runs that
/// server.
fn recover(binaries: &Binaries, runner: &Runner, pgdata: &Path) -> Result<(), EmbeddedError> {
    let pid_file = pgdata.join("postmaster.pid");
    let state = recovery::inspect_pid_file(pgdata)
        .map_err(|source| io_error(format!("could not read {}", pid_file.display()), source))?;
    match state {
        PidFileState::Absent => Ok(()),
        PidFileState::Running(pid) => {
            log::info!(
                "PostgreSQL server (pid {pid}) in {} was left running by an earlier mathshub process; stopping it",
                pgdata.display()
            );
            match cluster::stop_server(binaries, runner, pgdata, "fast") {
                Ok(()) => {
                    log::info!("stopped the orphaned PostgreSQL server (pid {pid})");
                    Ok(())
                }
                // A server killed moments before we looked can still seem alive;
                // once it has gone, what it left is merely a stale pid file.
                Err(_) if !recovery::is_alive(pid) => clear_stale_pid_file(pgdata),
                Err(err) => Err(err),
            }
        }
        PidFileState::Stale => clear_stale_pid_file(pgdata),
    }
}

/// Removes the pid file of a server that was killed, once no process of it
/// still works in the cluster; PostgreSQL recovers from its WAL on start.
fn clear_stale_pid_file(pgdata: &Path) -> Result<(), EmbeddedError> {
    let survivors = recovery::clear_leftover_processes(pgdata);
    if !survivors.is_empty() {
        return Err(EmbeddedError::LeftoverProcesses {
            pids: survivors,
            pgdata: pgdata.to_path_buf(),
        });
    }
    let pid_file = pgdata.join("postmaster.pid");
    match fs::remove_file(&pid_file) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(io_error(
                format!("could not remove {}", pid_file.display()),
                source,
            ));
        }
    }
    log::info!(
        "removed stale {} left by a PostgreSQL server that was killed; it will recover on start",
        pid_file.display()
    );
    Ok(())
}

/// Escapes everything outside RFC 3986's unreserved characters, so any
/// database name or password fits in a URL.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn percent_encode_keeps_text_when_it_is_unreserved() {
        assert_eq!(percent_encode("mathshub_test-1.x~"), "mathshub_test-1.x~");
    }

    #[test]
    fn percent_encode_escapes_bytes_when_they_are_reserved() {
        assert_eq!(percent_encode("a b/c@d:é"), "a%20b%2Fc%40d%3A%C3%A9");
    }

    #[test]
    fn binaries_not_found_message_names_install_and_database_url_when_shown() {
        let message = EmbeddedError::BinariesNotFound {
            searched: vec![PathBuf::from("/usr/bin")],
        }
        .to_string();
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
        assert!(message.contains("/usr/bin"), "{message}");
    }

    /// A fresh folder under /tmp that the `postgres` user can reach when the
    /// tests run as root; removed at the end of the test.
    struct TestDir(PathBuf);

    impl TestDir {
        fn new(tag: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "mathshub-embedded-{tag}-{}-{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            fs::create_dir_all(&path).expect("create test folder");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                .expect("open test folder");
            Self(path)
        }

        fn options(&self) -> EmbeddedOptions {
            EmbeddedOptions {
                data_dir: self.0.join("data"),
                server_settings: ["fsync", "synchronous_commit", "full_page_writes"]
                    .iter()
                    .map(|name| (name.to_string(), "off".to_string()))
                    .collect(),
            }
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn assert_answers(server: &EmbeddedPostgres) {
        TcpStream::connect(("127.0.0.1", server.port())).expect("server answers on its port");
    }

    fn postmaster_pid(server: &EmbeddedPostgres) -> i32 {
        let contents = fs::read_to_string(server.postmaster.pgdata.join("postmaster.pid"))
            .expect("read postmaster.pid");
        recovery::parse_pid_file(&contents).expect("postmaster.pid has a PID")
    }

    /// A handle to no server, for testing the pure parts; `running` is
    /// false so dropping it runs nothing.
    fn handle_without_server() -> EmbeddedPostgres {
        EmbeddedPostgres {
            data_dir: PathBuf::from("/nonexistent"),
            postmaster: Postmaster {
                binaries: Binaries {
                    initdb: PathBuf::from("/nonexistent/initdb"),
                    pg_ctl: PathBuf::from("/nonexistent/pg_ctl"),
                },
                runner: Runner::for_current_user().expect("runner"),
                pgdata: PathBuf::from("/nonexistent/pgdata"),
                log_file: PathBuf::from("/nonexistent/postgres.log"),
                server_options: String::new(),
                port: 54321,
            },
            password: "s3cretPassw0rd".to_string(),
            running: false,
            supervisor: None,
            _lock: File::open("/dev/null").expect("open /dev/null"),
        }
    }

    #[test]
    fn redacted_url_hides_password_when_url_shows_it() {
        let server = handle_without_server();
        let url = server.url("mathshub");
        let redacted = server.redacted_url("mathshub");
        assert_eq!(
            url,
            format!(
                "postgres://mathshub:{}@127.0.0.1:{}/mathshub",
                server.password,
                server.port()
            )
        );
        assert_eq!(
            redacted,
            format!(
                "postgres://mathshub:***@127.0.0.1:{}/mathshub",
                server.port()
            )
        );
        assert!(!format!("{server:?}").contains(&server.password));
    }

    #[test]
    fn start_reuses_cluster_when_started_again_after_stop() {
        let dir = TestDir::new("reuse");
        let options = dir.options();
        let mut first = EmbeddedPostgres::start(&options).expect("first start");
        assert_answers(&first);
        let data_dir = options.data_dir.as_path();
        let mode = |path: &Path| fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&data_dir.join("credentials")), 0o600);
        assert_eq!(mode(&data_dir.join("pgdata")), 0o700);
        assert!(
            !data_dir.join("initdb-password").exists(),
            "the password file for initdb is removed"
        );
        let marker = data_dir.join("pgdata").join("mathshub-test-marker");
        fs::write(&marker, "kept").expect("write marker");
        let first_password = first.password.clone();
        first.stop().expect("stop");
        first.stop().expect("stopping twice is fine");
        assert!(!data_dir.join("pgdata/postmaster.pid").exists());
        drop(first);

        let second = EmbeddedPostgres::start(&options).expect("second start");
        assert_answers(&second);
        assert_eq!(second.password, first_password);
        assert!(marker.exists(), "the cluster was not recreated");
    }

    #[test]
    fn start_returns_in_use_when_another_handle_holds_the_data_dir() {
        let dir = TestDir::new("inuse");
        let first = EmbeddedPostgres::start(&dir.options()).expect("first start");
        let second = EmbeddedPostgres::start(&dir.options());
        assert!(
            matches!(second, Err(EmbeddedError::InUse { .. })),
            "{second:?}"
        );
        let message = second.err().map(|err| err.to_string()).unwrap_or_default();
        assert!(message.contains("MATHSHUB_DATA_DIR"), "{message}");
        assert_answers(&first);
    }

    #[test]
    fn start_or_join_joins_the_server_another_handle_runs_and_leaves_it_running() {
        let dir = TestDir::new("join");
        let owner = EmbeddedPostgres::start(&dir.options()).expect("first start");
        let served_by = postmaster_pid(&owner);

        let joined = EmbeddedCluster::start_or_join(&dir.options()).expect("join");

        assert!(matches!(joined, EmbeddedCluster::Running(_)), "{joined:?}");
        assert_eq!(joined.url("mathshub"), owner.url("mathshub"));
        drop(joined);
        assert_answers(&owner);
        assert_eq!(postmaster_pid(&owner), served_by, "the same server runs on");
    }

    #[test]
    fn start_or_join_starts_the_server_when_none_runs() {
        let dir = TestDir::new("startjoin");
        let started = EmbeddedCluster::start_or_join(&dir.options()).expect("start");
        let EmbeddedCluster::Started(server) = started else {
            panic!("expected a server of its own, got {started:?}");
        };
        assert_answers(&server);
    }

    #[test]
    fn start_stops_orphaned_server_when_previous_process_died() {
        let dir = TestDir::new("orphan");
        let first = EmbeddedPostgres::start(&dir.options()).expect("first start");
        let orphan_pid = postmaster_pid(&first);
        first.abandon();
        assert!(
            recovery::is_alive(orphan_pid),
            "the abandoned server keeps running"
        );

        let second = EmbeddedPostgres::start(&dir.options()).expect("start after orphan");
        assert_answers(&second);
        assert_ne!(postmaster_pid(&second), orphan_pid);
        assert!(!recovery::is_alive(orphan_pid), "the orphan was stopped");
    }

    #[test]
    fn start_recovers_when_previous_server_was_killed() {
        let dir = TestDir::new("killed");
        let first = EmbeddedPostgres::start(&dir.options()).expect("first start");
        let killed_pid = postmaster_pid(&first);
        first.abandon();
        // SAFETY: plain kill(2) of the server this test started.
        assert_eq!(unsafe { libc::kill(killed_pid, libc::SIGKILL) }, 0);

        // Started at once, the server may still look alive (the orphan path
        // copes with that); waiting exercises the stale pid file path.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while recovery::is_alive(killed_pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let second = EmbeddedPostgres::start(&dir.options()).expect("start after kill -9");
        assert_answers(&second);
    }

    #[test]
    fn start_recreates_cluster_when_initdb_was_interrupted() {
        let dir = TestDir::new("interrupted");
        let options = dir.options();
        let staging = options.data_dir.join("pgdata.initialising");
        fs::create_dir_all(&staging).expect("create half-made cluster");
        fs::write(staging.join("PG_VERSION"), "15\n").expect("write PG_VERSION");

        let server = EmbeddedPostgres::start(&options).expect("start");
        assert_answers(&server);
        assert!(!staging.exists(), "the half-made cluster was cleared");
    }

    #[test]
    fn start_fails_with_unreachable_data_dir_when_root_and_ancestor_is_private() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return;
        }
        let dir = TestDir::new("private");
        fs::set_permissions(&dir.0, fs::Permissions::from_mode(0o700)).expect("close test folder");
        let result = EmbeddedPostgres::start(&dir.options());
        match result {
            Err(EmbeddedError::DataDirUnreachable { blocked, .. }) => assert_eq!(blocked, dir.0),
            other => panic!("expected DataDirUnreachable, got {other:?}"),
        }
        assert!(!dir.0.join("data/pgdata").exists());
    }

    #[test]
    fn start_returns_invalid_setting_when_name_is_malformed_and_creates_nothing() {
        let dir = TestDir::new("badsetting");
        let mut options = dir.options();
        options
            .server_settings
            .push(("bad name".to_string(), "1".to_string()));
        let result = EmbeddedPostgres::start(&options);
        assert!(
            matches!(result, Err(EmbeddedError::InvalidSetting { .. })),
            "{result:?}"
        );
        assert!(!options.data_dir.exists());
    }
}
