//! Where the database comes from: the server `DATABASE_URL` names, or an embedded cluster
//! started under the data folder. Either way the schema is migrated before anything uses it.

use std::path::Path;

use crate::config::{Secret, redact_database_url};
use crate::db::embedded::{EmbeddedOptions, EmbeddedPostgres};
use crate::db::migrate::{self, MigrationError};

/// The name of the application database inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "mathshub";

/// A migrated database, and the embedded cluster serving it when there is one (stopped
/// when this is dropped).
pub struct Database {
    url: Secret,
    embedded: Option<EmbeddedPostgres>,
    /// True when this start created the database, so demo data is loaded exactly once.
    pub created: bool,
}

impl Database {
    /// Uses `database_url` when given; otherwise starts (or reuses) the embedded cluster in
    /// `data_dir`. Migrates in both cases.
    pub async fn provision(
        database_url: Option<&Secret>,
        data_dir: &Path,
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
                    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&options))
                        .await??;
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
            Some(embedded) => format!(
                "{url} (embedded PostgreSQL in {})",
                embedded.data_dir().display()
            ),
            None => url,
        }
    }

    /// Stops the embedded cluster, if any, and waits for it to shut down.
    pub async fn shutdown(mut self) {
        if let Some(mut embedded) = self.embedded.take() {
            let stopped = tokio::task::spawn_blocking(move || embedded.stop()).await;
            match stopped {
                Ok(Ok(())) => log::info!("Embedded PostgreSQL stopped"),
                Ok(Err(error)) => log::error!("Stopping the embedded PostgreSQL failed: {error}"),
                Err(error) => log::error!("Stopping the embedded PostgreSQL panicked: {error}"),
            }
        }
    }
}
