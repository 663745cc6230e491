//! Running the PostgreSQL programs as the right OS user: PostgreSQL refuses
//! to run as root, so when mathshub runs as root the work goes to the
//! `postgres` user, which must also own the files the server writes.

use std::ffi::{CStr, CString, OsStr};
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::EmbeddedError;

/// Builds commands and hands files over for the OS user the server runs as.
#[derive(Clone)]
pub(super) struct Runner {
    server_user: Option<ServerUser>,
}

#[derive(Clone)]
struct ServerUser {
    uid: u32,
    gid: u32,
    home: PathBuf,
}

impl Runner {
    pub fn for_current_user() -> Result<Self, EmbeddedError> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(Self { server_user: None });
        }
        let user = lookup_user("postgres")
            .map_err(|source| EmbeddedError::Io {
                context: "could not look up the `postgres` OS user".into(),
                source,
            })?
            .ok_or(EmbeddedError::PostgresUserMissing)?;
        Ok(Self {
            server_user: Some(user),
        })
    }

    /// Children start in "/" because the caller's working folder (say
    /// /root) may be closed to the `postgres` user; every path we pass is
    /// absolute.
    pub fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command.current_dir("/").stdin(Stdio::null());
        if let Some(user) = &self.server_user {
            command
                .uid(user.uid)
                .gid(user.gid)
                .env("HOME", &user.home)
                .env("USER", "postgres")
                .env("LOGNAME", "postgres");
        }
        command
    }

    /// Hands one file or folder to the server user (a no-op when not root).
    pub fn give(&self, path: &Path) -> Result<(), EmbeddedError> {
        let Some(user) = &self.server_user else {
            return Ok(());
        };
        std::os::unix::fs::lchown(path, Some(user.uid), Some(user.gid)).map_err(|source| {
            io_error(
                format!("could not hand {} to the `postgres` user", path.display()),
                source,
            )
        })
    }

    /// Hands a whole tree to the server user when its top is owned by
    /// someone else, e.g. a cluster first created by an ordinary user.
    pub fn give_tree_if_foreign(&self, root: &Path) -> Result<(), EmbeddedError> {
        let Some(user) = &self.server_user else {
            return Ok(());
        };
        let owner = fs::symlink_metadata(root)
            .map_err(|source| io_error(format!("could not inspect {}", root.display()), source))?
            .uid();
        if owner == user.uid {
            return Ok(());
        }
        log::info!("handing {} to the `postgres` OS user", root.display());
        self.give_tree(root)
    }

    fn give_tree(&self, path: &Path) -> Result<(), EmbeddedError> {
        self.give(path)?;
        let is_dir = fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir());
        if is_dir {
            let entries = fs::read_dir(path)
                .map_err(|source| io_error(format!("could not list {}", path.display()), source))?;
            for entry in entries {
                let entry = entry.map_err(|source| {
                    io_error(format!("could not list {}", path.display()), source)
                })?;
                self.give_tree(&entry.path())?;
            }
        }
        Ok(())
    }

    /// Fails early, with a useful message, when the server user cannot
    /// enter `dir`: otherwise initdb or the server fails with a bare
    /// "Permission denied" deep in its log.
    pub fn check_reachable(&self, dir: &Path) -> Result<(), EmbeddedError> {
        if self.server_user.is_none() || self.can_enter(dir)? {
            return Ok(());
        }
        let mut ancestors: Vec<&Path> = dir.ancestors().collect();
        ancestors.reverse();
        let mut blocked = dir.to_path_buf();
        for ancestor in ancestors {
            if !self.can_enter(ancestor)? {
                blocked = ancestor.to_path_buf();
                break;
            }
        }
        Err(EmbeddedError::DataDirUnreachable {
            data_dir: dir.to_path_buf(),
            blocked,
        })
    }

    fn can_enter(&self, dir: &Path) -> Result<bool, EmbeddedError> {
        let status = self
            .command(Path::new("test"))
            .arg("-x")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|source| {
                io_error(
                    "could not run `test` to check folder permissions".into(),
                    source,
                )
            })?;
        Ok(status.success())
    }
}

fn lookup_user(name: &str) -> io::Result<Option<ServerUser>> {
    let c_name = CString::new(name).map_err(io::Error::other)?;
    let mut buffer: Vec<libc::c_char> = vec![0; 1024];
    loop {
        // SAFETY: passwd is plain old data; an all-zero value is valid and
        // getpwnam_r overwrites it.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the stated length; the
        // reentrant variant is used because tests run on many threads.
        let rc = unsafe {
            libc::getpwnam_r(
                c_name.as_ptr(),
                &mut entry,
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buffer.len() < 1 << 20 {
            buffer.resize(buffer.len() * 2, 0);
            continue;
        }
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        if result.is_null() {
            return Ok(None);
        }
        // SAFETY: on success pw_dir points at a NUL-terminated string inside `buffer`.
        let home = unsafe { CStr::from_ptr(entry.pw_dir) };
        return Ok(Some(ServerUser {
            uid: entry.pw_uid,
            gid: entry.pw_gid,
            home: PathBuf::from(OsStr::from_bytes(home.to_bytes())),
        }));
    }
}

pub(super) fn io_error(context: String, source: io::Error) -> EmbeddedError {
    EmbeddedError::Io { context, source }
}
