//! Creating the cluster on disk and driving `initdb` and `pg_ctl`.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rand::RngExt;
use rand::distr::Alphanumeric;

use super::binaries::Binaries;
use super::runner::{Runner, io_error};
use super::{EmbeddedError, recovery};

/// The cluster's superuser, which mathshub connects as.
pub(super) const SUPERUSER: &str = "mathshub";

const START_ATTEMPTS: u32 = 3;
const LOG_TAIL_LINES: usize = 20;

/// Appended to postgresql.conf right after initdb.
const EXTRA_CONFIG: &str = "
# Added by mathshub for its embedded server.
listen_addresses = '127.0.0.1'
# TCP only: a socket path inside a deep data folder can exceed the OS limit of ~107 bytes.
unix_socket_directories = ''
max_connections = 300
";

/// Creates a fresh cluster at `pgdata` and returns the superuser password.
///
/// The cluster is built in a sibling folder and renamed into place only once
/// complete, so a failed or killed initdb never leaves a `pgdata` that a
/// later start would trust.
pub(super) fn initialise(
    binaries: &Binaries,
    runner: &Runner,
    data_dir: &Path,
    pgdata: &Path,
    credentials: &Path,
) -> Result<String, EmbeddedError> {
    let staging = data_dir.join("pgdata.initialising");
    remove_leftover(&staging)?;
    DirBuilder::new()
        .mode(0o700)
        .create(&staging)
        .map_err(|source| {
            io_error(
                format!("could not create folder {}", staging.display()),
                source,
            )
        })?;
    let result =
        initialise_in(binaries, runner, data_dir, &staging, credentials).and_then(|password| {
            fs::rename(&staging, pgdata).map_err(|source| {
                io_error(
                    format!(
                        "could not move the new cluster from {} to {}",
                        staging.display(),
                        pgdata.display()
                    ),
                    source,
                )
            })?;
            Ok(password)
        });
    if result.is_err() {
        // Best effort: the next start clears it anyway.
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn initialise_in(
    binaries: &Binaries,
    runner: &Runner,
    data_dir: &Path,
    staging: &Path,
    credentials: &Path,
) -> Result<String, EmbeddedError> {
    runner.give(staging)?;
    let password: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    // initdb reads the password from a file so it never shows in `ps`.
    let pwfile = SecretFile::create(data_dir.join("initdb-password"), &password)?;
    runner.give(&pwfile.path)?;
    log::info!(
        "creating the embedded PostgreSQL cluster in {}",
        staging.display()
    );
    let mut initdb = runner.command(&binaries.initdb);
    initdb
        .arg("-D")
        .arg(staging)
        .arg(format!("--username={SUPERUSER}"))
        .arg("--auth=scram-sha-256")
        .arg(format!("--pwfile={}", pwfile.path.display()))
        .arg("--encoding=UTF8")
        .arg("--locale=C");
    run(&mut initdb, "initdb (creating the database cluster)")?;
    drop(pwfile);

    let config = staging.join("postgresql.conf");
    OpenOptions::new()
        .append(true)
        .open(&config)
        .and_then(|mut file| file.write_all(EXTRA_CONFIG.as_bytes()))
        .map_err(|source| {
            io_error(
                format!("could not add settings to {}", config.display()),
                source,
            )
        })?;

    // Written before the cluster is moved into place, so a cluster in
    // `pgdata` always has its password on disk.
    // Via a new file and a rename, so no reader sees a half-written password;
    // once renamed, the guard's clean-up finds nothing to remove.
    let pending = SecretFile::create(credentials.with_extension("new"), &password)?;
    fs::rename(&pending.path, credentials)
        .map_err(|source| io_error(format!("could not write {}", credentials.display()), source))?;
    Ok(password)
}

fn remove_leftover(path: &Path) -> Result<(), EmbeddedError> {
    match fs::remove_dir_all(path) {
        Ok(()) => {
            log::info!(
                "removed {}, left by an interrupted cluster creation",
                path.display()
            );
            Ok(())
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(io_error(
            format!("could not remove {}", path.display()),
            source,
        )),
    }
}

/// A file only its owner may read, removed when dropped.
struct SecretFile {
    path: PathBuf,
}

impl SecretFile {
    fn create(path: PathBuf, contents: &str) -> Result<Self, EmbeddedError> {
        // A leftover from a killed run may have other permissions; mode()
        // only applies to newly created files.
        let _ = fs::remove_file(&path);
        let secret = Self { path };
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&secret.path)
            .and_then(|mut file| file.write_all(format!("{contents}\n").as_bytes()))
            .map_err(|source| {
                io_error(format!("could not write {}", secret.path.display()), source)
            })?;
        Ok(secret)
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

pub(super) fn read_password(credentials: &Path, pgdata: &Path) -> Result<String, EmbeddedError> {
    let missing = || EmbeddedError::CredentialsMissing {
        credentials: credentials.to_path_buf(),
        pgdata: pgdata.to_path_buf(),
    };
    match fs::read_to_string(credentials) {
        Ok(contents) if !contents.trim().is_empty() => Ok(contents.trim().to_string()),
        Ok(_) => Err(missing()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Err(missing()),
        Err(source) => Err(io_error(
            format!("could not read {}", credentials.display()),
            source,
        )),
    }
}

/// Turns caller settings into `-c` options for the server command line,
/// which pg_ctl passes through `/bin/sh`, hence the quoting.
pub(super) fn server_options(settings: &[(String, String)]) -> Result<String, EmbeddedError> {
    let mut options = String::new();
    for (name, value) in settings {
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !valid_name {
            return Err(EmbeddedError::InvalidSetting { name: name.clone() });
        }
        options.push_str(" -c ");
        options.push_str(&shell_quote(&format!("{name}={value}")));
    }
    Ok(options)
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Starts the server on a free loopback port and returns the port. Another
/// program may grab the port between our probe and the server's bind, so a
/// start that failed for that reason is retried on a new port.
pub(super) fn start_server(
    binaries: &Binaries,
    runner: &Runner,
    pgdata: &Path,
    log_file: &Path,
    options: &str,
) -> Result<u16, EmbeddedError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let port = free_port()?;
        match start_server_on(binaries, runner, pgdata, log_file, options, port, attempt) {
            Ok(()) => return Ok(port),
            Err(Refused::PortTaken(_)) if attempt < START_ATTEMPTS => {
                log::info!("port {port} was taken before PostgreSQL could use it; trying another");
            }
            Err(refused) => return Err(refused.into_error()),
        }
    }
}

/// Why a start failed: the port was taken (worth trying another), or anything else.
pub(super) enum Refused {
    PortTaken(EmbeddedError),
    Other(EmbeddedError),
}

impl Refused {
    pub(super) fn into_error(self) -> EmbeddedError {
        match self {
            Self::PortTaken(error) | Self::Other(error) => error,
        }
    }
}

/// Starts the server on `port`, once (the `attempt`-th try, as errors report it).
pub(super) fn start_server_on(
    binaries: &Binaries,
    runner: &Runner,
    pgdata: &Path,
    log_file: &Path,
    options: &str,
    port: u16,
    attempt: u32,
) -> Result<(), Refused> {
    let log_start = fs::metadata(log_file).map(|meta| meta.len()).unwrap_or(0);
    let output = runner
        .command(&binaries.pg_ctl)
        .args(["start", "-w", "-t", "60", "-D"])
        .arg(pgdata)
        .arg("-l")
        .arg(log_file)
        .arg("-o")
        .arg(format!("-p {port}{options}"))
        .output()
        .map_err(|source| {
            Refused::Other(io_error(
                format!("could not run {}", binaries.pg_ctl.display()),
                source,
            ))
        })?;
    if output.status.success() {
        return Ok(());
    }
    let new_log = read_from(log_file, log_start);
    // A server still starting when pg_ctl gave up must not linger.
    if let Ok(recovery::PidFileState::Running(_)) = recovery::inspect_pid_file(pgdata) {
        let _ = stop_server(binaries, runner, pgdata, "immediate");
    }
    let error = EmbeddedError::StartFailed {
        attempts: attempt,
        detail: describe(&output),
        log_file: log_file.to_path_buf(),
        log_tail: attempt_log_tail(&new_log, log_file),
    };
    if new_log.contains("Address already in use") {
        Err(Refused::PortTaken(error))
    } else {
        Err(Refused::Other(error))
    }
}

/// Stops the server and waits until it is down; `mode` is pg_ctl's
/// shutdown mode ("fast" rolls back open transactions and exits cleanly).
pub(super) fn stop_server(
    binaries: &Binaries,
    runner: &Runner,
    pgdata: &Path,
    mode: &str,
) -> Result<(), EmbeddedError> {
    let mut pg_ctl = runner.command(&binaries.pg_ctl);
    pg_ctl
        .args(["stop", "-m", mode, "-w", "-t", "60", "-D"])
        .arg(pgdata);
    match run(
        &mut pg_ctl,
        "pg_ctl stop (stopping the embedded PostgreSQL server)",
    ) {
        // The server may have gone by itself in the meantime; that is the goal anyway.
        Err(_) if !pgdata.join("postmaster.pid").exists() => Ok(()),
        other => other,
    }
}

fn free_port() -> Result<u16, EmbeddedError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|source| io_error("could not find a free TCP port on 127.0.0.1".into(), source))
}

fn run(command: &mut Command, what: &str) -> Result<(), EmbeddedError> {
    let output = command.output().map_err(|source| {
        io_error(
            format!("could not run {}", command.get_program().to_string_lossy()),
            source,
        )
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(EmbeddedError::CommandFailed {
            what: what.to_string(),
            detail: describe(&output),
        })
    }
}

fn describe(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stderr).trim().to_string();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.trim().is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(stdout.trim());
    }
    format!("{}\n{text}", output.status)
}

fn read_from(path: &Path, offset: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path)
        && file.seek(SeekFrom::Start(offset)).is_ok()
    {
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    text
}

/// The last lines of the server log, for error messages. Only the end of
/// the file is read: the log is never rotated and may be large.
pub(super) fn tail_lines(path: &Path, lines: usize) -> String {
    const WINDOW: u64 = 64 * 1024;
    let len = fs::metadata(path).map(|meta| meta.len()).unwrap_or(0);
    let text = read_from(path, len.saturating_sub(WINDOW));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// What this start attempt wrote to the log is what explains its failure;
/// older lines are shown only when it wrote nothing.
fn attempt_log_tail(new_log: &str, log_file: &Path) -> String {
    if new_log.trim().is_empty() {
        return tail_lines(log_file, LOG_TAIL_LINES);
    }
    let lines: Vec<&str> = new_log.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

/// Creates the server log if needed, writable by the server user (pg_ctl
/// opens it as that user, and root's data folder is closed to it).
pub(super) fn prepare_log(runner: &Runner, log_file: &Path) -> Result<(), EmbeddedError> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(log_file)
        .map_err(|source| io_error(format!("could not create {}", log_file.display()), source))?;
    runner.give(log_file)
}

/// PostgreSQL refuses a data folder others can read.
pub(super) fn restrict(pgdata: &Path) -> Result<(), EmbeddedError> {
    fs::set_permissions(pgdata, fs::Permissions::from_mode(0o700)).map_err(|source| {
        io_error(
            format!("could not restrict permissions of {}", pgdata.display()),
            source,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_options_quotes_values_when_they_hold_shell_characters() {
        let settings = vec![
            ("fsync".to_string(), "off".to_string()),
            ("application_name".to_string(), "it's $HOME".to_string()),
        ];
        let options = server_options(&settings).expect("valid settings");
        assert_eq!(
            options,
            r#" -c 'fsync=off' -c 'application_name=it'\''s $HOME'"#
        );
    }

    #[test]
    fn server_options_rejects_name_when_it_has_odd_characters() {
        for name in ["", "fsync=off", "a b", "x;rm"] {
            let settings = vec![(name.to_string(), "1".to_string())];
            assert!(
                matches!(
                    server_options(&settings),
                    Err(EmbeddedError::InvalidSetting { .. })
                ),
                "{name:?}"
            );
        }
    }

    #[test]
    fn tail_lines_returns_last_lines_when_log_is_longer() {
        let path =
            std::env::temp_dir().join(format!("mathshub-tail-test-{}.log", std::process::id()));
        let text: String = (1..=30).map(|n| format!("line {n}\n")).collect();
        fs::write(&path, text).expect("write log");
        let tail = tail_lines(&path, 3);
        fs::remove_file(&path).expect("clean up");
        assert_eq!(tail, "line 28\nline 29\nline 30");
    }

    #[test]
    fn tail_lines_returns_empty_when_log_is_missing() {
        assert_eq!(
            tail_lines(Path::new("/nonexistent-mathshub/postgres.log"), 20),
            ""
        );
    }
}
