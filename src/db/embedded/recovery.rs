//! Making sense of a cluster folder's `postmaster.pid`: whether its server
//! runs (and on which port), or is gone, leaving the file and perhaps some of
//! its processes behind (a killed mathshub process, or a killed server).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

/// What the `postmaster.pid` of a cluster tells us.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PidFileState {
    /// No pid file: the server was shut down cleanly.
    Absent,
    /// The recorded server runs. To a process that has just taken the data
    /// folder's lock, it is one a killed mathshub run left behind.
    Running(i32),
    /// The recorded process is gone (or is something else now).
    Stale,
}

/// What a server says about itself in `postmaster.pid`: its PID, its port
/// (4th line) and whether it accepts connections yet (8th line, `ready`).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Announcement {
    pub pid: i32,
    pub port: u16,
    pub ready: bool,
}

pub(super) fn parse_announcement(contents: &str) -> Option<Announcement> {
    let pid = parse_pid_file(contents)?;
    let lines: Vec<&str> = contents.lines().collect();
    let port = lines.get(3)?.trim().parse().ok()?;
    let ready = lines.get(7).is_some_and(|status| status.trim() == "ready");
    Some(Announcement { pid, port, ready })
}

/// The postmaster's PID, which PostgreSQL writes on the file's first line.
pub(super) fn parse_pid_file(contents: &str) -> Option<i32> {
    let pid: i32 = contents.lines().next()?.trim().parse().ok()?;
    // Very old servers wrote a negative PID for single-user mode.
    let pid = pid.checked_abs()?;
    (pid > 0).then_some(pid)
}

pub(super) fn inspect_pid_file(pgdata: &Path) -> io::Result<PidFileState> {
    let contents = match fs::read_to_string(pgdata.join("postmaster.pid")) {
        Ok(contents) => contents,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(PidFileState::Absent),
        Err(err) => return Err(err),
    };
    let Some(pid) = parse_pid_file(&contents) else {
        return Ok(PidFileState::Stale);
    };
    if serves(pid, pgdata) {
        Ok(PidFileState::Running(pid))
    } else {
        Ok(PidFileState::Stale)
    }
}

/// Whether `pid` is a live postmaster of the cluster in `pgdata`.
pub(super) fn serves(pid: i32, pgdata: &Path) -> bool {
    is_live_postgres(pid) && serves_cluster(pid, pgdata)
}

/// Alive and running the postgres program, so a recycled PID held by an
/// unrelated process is not mistaken for our server.
fn is_live_postgres(pid: i32) -> bool {
    if !is_alive(pid) {
        return false;
    }
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let comm = fs::read_to_string(proc_dir.join("comm")).unwrap_or_default();
    if comm.trim() == "postgres" {
        return true;
    }
    // Only the program (argv[0]), so arguments that merely mention postgres don't count.
    fs::read(proc_dir.join("cmdline")).is_ok_and(|cmdline| {
        let program = cmdline.split(|&byte| byte == 0).next().unwrap_or_default();
        String::from_utf8_lossy(program).contains("postgres")
    })
}

/// Guards against stopping some other cluster's server whose PID happens to
/// match: a postmaster's working folder is its data folder. When the link
/// cannot be read we fall back to trusting the process name.
fn serves_cluster(pid: i32, pgdata: &Path) -> bool {
    match (
        fs::canonicalize(format!("/proc/{pid}/cwd")),
        fs::canonicalize(pgdata),
    ) {
        (Ok(cwd), Ok(pgdata)) => cwd == pgdata,
        _ => true,
    }
}

/// Zombies count as dead: a killed postmaster whose parent never reaps it
/// still answers `kill(pid, 0)` but will never exit or remove its pid file.
pub(super) fn is_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let exists = unsafe { libc::kill(pid, 0) } == 0
        || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists && !is_zombie(pid)
}

fn is_zombie(pid: i32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The command name in parentheses may itself contain spaces or ')'.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|state| state == "Z")
}

/// Server child processes (checkpointer, backends, ...) still working in the
/// cluster after their postmaster was killed. Starting a new server while
/// they run could corrupt data, so they must be gone first.
fn processes_in(pgdata: &Path) -> Vec<i32> {
    let Ok(pgdata) = fs::canonicalize(pgdata) else {
        return Vec::new();
    };
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let own_pid = std::process::id() as i32;
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != own_pid)
        .filter(|&pid| fs::canonicalize(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == pgdata))
        .filter(|&pid| is_alive(pid))
        .collect()
}

/// Waits for leftover server processes to exit (they notice their
/// postmaster's death within moments), killing the stragglers. Returns the
/// PIDs of any that survive even that.
pub(super) fn clear_leftover_processes(pgdata: &Path) -> Vec<i32> {
    if wait_until_gone(pgdata, Duration::from_secs(5)) {
        return Vec::new();
    }
    for pid in processes_in(pgdata) {
        log::info!("killing leftover PostgreSQL process {pid} whose server was killed earlier");
        // SAFETY: plain kill(2); the PID was just seen working in our cluster folder.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    wait_until_gone(pgdata, Duration::from_secs(5));
    processes_in(pgdata)
}

fn wait_until_gone(pgdata: &Path, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if processes_in(pgdata).is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_pid_file_returns_pid_when_file_is_well_formed() {
        let contents = "12345\n/var/lib/mathshub/pgdata\n1700000000\n54321\n\n127.0.0.1\n  5432001  32768\nready   \n";
        assert_eq!(parse_pid_file(contents), Some(12345));
    }

    #[test]
    fn parse_pid_file_returns_positive_pid_when_written_by_single_user_mode() {
        assert_eq!(parse_pid_file("-42\n/data\n"), Some(42));
    }

    #[test]
    fn parse_pid_file_returns_none_when_file_is_empty_or_garbled() {
        assert_eq!(parse_pid_file(""), None);
        assert_eq!(parse_pid_file("\n"), None);
        assert_eq!(parse_pid_file("not-a-pid\n"), None);
        assert_eq!(parse_pid_file("0\n"), None);
    }

    #[test]
    fn parse_announcement_returns_port_and_readiness_when_server_wrote_them() {
        let ready =
            "12345\n/data/pgdata\n1700000000\n54321\n\n127.0.0.1\n  5432001  32768\nready   \n";
        assert_eq!(
            parse_announcement(ready),
            Some(Announcement {
                pid: 12345,
                port: 54321,
                ready: true
            })
        );
        let starting = ready.replace("ready   ", "starting");
        assert_eq!(parse_announcement(&starting).map(|a| a.ready), Some(false));
    }

    #[test]
    fn parse_announcement_returns_none_when_the_port_is_not_written_yet() {
        assert_eq!(parse_announcement("12345\n/data/pgdata\n"), None);
        assert_eq!(parse_announcement("12345\n/data\n1700000000\nport\n"), None);
    }

    #[test]
    fn is_alive_returns_true_when_process_is_self() {
        assert!(is_alive(std::process::id() as i32));
    }

    #[test]
    fn inspect_pid_file_reports_stale_when_pid_is_not_a_postgres_server() {
        let dir =
            std::env::temp_dir().join(format!("mathshub-pidfile-test-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("create folder");
        // Our own PID is alive but is a test binary, not postgres.
        fs::write(
            dir.join("postmaster.pid"),
            format!("{}\n", std::process::id()),
        )
        .expect("write pid file");
        let state = inspect_pid_file(&dir).expect("inspect");
        fs::remove_dir_all(&dir).expect("clean up");
        assert_eq!(state, PidFileState::Stale);
    }

    #[test]
    fn inspect_pid_file_reports_absent_when_there_is_no_pid_file() {
        let dir =
            std::env::temp_dir().join(format!("mathshub-nopidfile-test-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("create folder");
        let state = inspect_pid_file(&dir).expect("inspect");
        fs::remove_dir_all(&dir).expect("clean up");
        assert_eq!(state, PidFileState::Absent);
    }
}
