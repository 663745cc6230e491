//! A cluster whose server another mathshub process runs (a server, usually):
//! found through the data folder, used as it is, and never started or
//! stopped from here.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use super::{EmbeddedError, cluster, connection_url, percent_encode, recovery};

/// The server another process runs in a data folder, reached as that process
/// reaches it: over TCP on 127.0.0.1 (the cluster has no Unix socket) at the
/// port its `postmaster.pid` names, with the password in `credentials`.
pub struct RunningCluster {
    data_dir: PathBuf,
    port: u16,
    password: String,
}

impl RunningCluster {
    /// The server of the cluster in `data_dir`, when one runs and accepts
    /// connections; `None` while it is starting or stopping, or when none runs.
    pub(super) fn find(data_dir: &Path) -> Result<Option<Self>, EmbeddedError> {
        let pgdata = data_dir.join("pgdata");
        let Ok(contents) = fs::read_to_string(pgdata.join("postmaster.pid")) else {
            return Ok(None);
        };
        let Some(announced) = recovery::parse_announcement(&contents) else {
            return Ok(None);
        };
        if !announced.ready || !recovery::serves(announced.pid, &pgdata) {
            return Ok(None);
        }
        let password = cluster::read_password(&data_dir.join("credentials"), &pgdata)?;
        log::info!(
            "joining the embedded PostgreSQL server (pid {}) that another mathshub process runs in {}",
            announced.pid,
            data_dir.display()
        );
        Ok(Some(Self {
            data_dir: data_dir.to_path_buf(),
            port: announced.port,
            password,
        }))
    }

    /// Connection URL for `database`, including the password.
    pub fn url(&self, database: &str) -> String {
        connection_url(&percent_encode(&self.password), self.port, database)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

impl fmt::Debug for RunningCluster {
    // Hand-written so the password never reaches a log through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningCluster")
            .field("data_dir", &self.data_dir)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}
