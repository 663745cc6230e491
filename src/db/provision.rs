//! Where the database comes from: the server `DATABASE_URL` names, or an embedded cluster
//! under the data folder. Either way the schema is migrated before anything uses it.
//!
//! A command joins the embedded cluster a server runs beside it, or starts (and then stops)
//! the cluster itself; a server starts the cluster itself, and restarts it should it die.

use std::path::Path;

use crate::config::{Secret, redact_database_url};
use crate::db::embedded::{EmbeddedCluster, EmbeddedError, EmbeddedOptions, EmbeddedPostgres};
use crate::db::migrate::{self, MigrationError};
use crate::observability::Liveness;

/// The name of the application database inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "mathshub";

/// A migrated database, and the embedded cluster serving it when there is one (stopped
/// when this is dropped, if this process started it).
pub struct Database {
    url: Secret,
    embedded: Option<EmbeddedCluster>,
    /// True when this start created the database, so demo data is loaded exactly once.
    pub created: bool,
}

impl Database {
    /// For a command: uses `database_url` when given; otherwise the embedded cluster in
    /// `data_dir`, joining the one a server runs there, or starting it for the command.
    /// Migrates in every case.
    pub async fn provision(
        database_url: Option<&Secret>,
        data_dir: &Path,
    ) -> Result<Self, MigrationError> {
        Self::provision_with(database_url, data_dir, |options| {
            EmbeddedCluster::start_or_join(&options)
        })
        .await
    }

    /// For serving: uses `database_url` when given; otherwise starts the embedded cluster in
    /// `data_dir` (refused while another mathshub process runs it: one server per folder)
    /// and restarts it whenever it dies, `liveness` failing while it cannot. Migrates.
    pub async fn provision_to_serve(
        database_url: Option<&Secret>,
        data_dir: &Path,
        liveness: &Liveness,
    ) -> Result<Self, MigrationError> {
        let liveness = liveness.clone();
        Self::provision_with(database_url, data_dir, move |options| {
            let mut server = EmbeddedPostgres::start(&options)?;
            server.supervise(liveness)?;
            Ok(EmbeddedCluster::Started(server))
        })
        .await
    }

    async fn provision_with(
        database_url: Option<&Secret>,
        data_dir: &Path,
        embedded_cluster: impl FnOnce(EmbeddedOptions) -> Result<EmbeddedCluster, EmbeddedError>
        + Send
        + 'static,
    ) -> Result<Self, MigrationError> {
        let database = match database_url {
            Some(url) => Self {
                url: url.clone(),
                embedded: None,
                created: false,
            },
            None => {
                let options = EmbeddedOptions {
                    data_dir: data_dir.to_owned(),
                    server_settings: Vec::new(),
                };
                let embedded =
                    tokio::task::spawn_blocking(move || embedded_cluster(options)).await??;
                let created =
                    migrate::ensure_database(&embedded.url("postgres"), EMBEDDED_DATABASE).await?;
                Self {
                    url: Secret::new(embedded.url(EMBEDDED_DATABASE)),
                    embedded: Some(embedded),
                    created,
                }
            }
        };
        log::info!("Using database {}", database.describe());
        let applied = migrate::run_pending(database.url.expose()).await?;
        if applied > 0 {
            log::info!("Applied {applied} migration(s)");
        }
        Ok(database)
    }

    pub fn url(&self) -> &Secret {
        &self.url
    }

    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Where the database is, without its password.
    pub fn describe(&self) -> String {
        let url = redact_database_url(self.url.expose());
        match &self.embedded {
            Some(EmbeddedCluster::Started(server)) => format!(
                "{url} (embedded PostgreSQL in {})",
                server.data_dir().display()
            ),
            Some(EmbeddedCluster::Running(server)) => format!(
                "{url} (embedded PostgreSQL in {}, run by another mathshub process)",
                server.data_dir().display()
            ),
            None => url,
        }
    }

    /// Stops the embedded cluster if this process started it, and waits for it to shut down;
    /// one another process runs is left running.
    pub async fn shutdown(mut self) {
        if let Some(EmbeddedCluster::Started(mut server)) = self.embedded.take() {
            let stopped = tokio::task::spawn_blocking(move || server.stop()).await;
            match stopped {
                Ok(Ok(())) => log::info!("Embedded PostgreSQL stopped"),
                Ok(Err(error)) => log::error!("Stopping the embedded PostgreSQL failed: {error}"),
                Err(error) => log::error!("Stopping the embedded PostgreSQL panicked: {error}"),
            }
        }
    }
}
