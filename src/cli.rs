//! The command line: every setting is a flag or an environment variable, and `--help`
//! explains each.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::Secret;
use crate::db::PoolSettings;

#[derive(Debug, Parser)]
#[command(
    name = "mathshub",
    version,
    about = "The Maths Hubs API: hubs, projects, work groups, sessions and enrolments over JSON.",
    long_about = "The Maths Hubs API: hubs, projects, work groups, sessions and enrolments over JSON.\n\n\
With no DATABASE_URL it starts its own PostgreSQL from the machine's server binaries, keeps it under \
--data-dir, migrates it and loads the demo data on first start. With no command it serves."
)]
pub struct Cli {
    /// PostgreSQL to use, e.g. postgres://user:password@host/mathshub. Leave unset to run an
    /// embedded PostgreSQL under --data-dir.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<Secret>,

    /// Folder of the embedded PostgreSQL (ignored when DATABASE_URL is set).
    #[arg(
        long,
        env = "MATHSHUB_DATA_DIR",
        default_value = ".mathshub",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Log filter in env_logger syntax, e.g. `info` or `mathshub=debug,actix_web=info`.
    #[arg(long = "log", env = "RUST_LOG", default_value = "info", global = true)]
    pub log_filter: String,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (what `cargo run` does with no command).
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load data into the database: the demo data from the source documents, or synthetic
    /// data at national scale for benchmarks.
    Seed(SeedArgs),
    /// Print the OpenAPI document (as served at /api-docs/openapi.json) to standard output.
    Openapi,
}

impl Cli {
    /// The command to run: `serve` with its defaults when none is given.
    pub fn take_command(&mut self) -> Command {
        self.command
            .take()
            .unwrap_or_else(|| Command::Serve(ServeArgs::parse_from(["serve"])))
    }
}

#[derive(Debug, Parser)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "MATHSHUB_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Browser origins allowed to call the API (comma-separated), e.g. https://hub.example.org.
    #[arg(
        long = "cors-origin",
        env = "MATHSHUB_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "MATHSHUB_WORKERS")]
    pub workers: Option<usize>,

    #[command(flatten)]
    pub pool: PoolArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PoolArgs {
    /// Most database connections the server holds.
    #[arg(long, env = "MATHSHUB_POOL_SIZE", default_value_t = 16)]
    pub pool_size: usize,

    /// Milliseconds a request waits for a database connection before answering 503.
    #[arg(long, env = "MATHSHUB_POOL_TIMEOUT_MS", default_value_t = 2000)]
    pub pool_timeout_ms: u64,

    /// Milliseconds a database statement may run before it is cancelled.
    #[arg(long, env = "MATHSHUB_STATEMENT_TIMEOUT_MS", default_value_t = 5000)]
    pub statement_timeout_ms: u64,
}

impl PoolArgs {
    pub fn settings(&self) -> PoolSettings {
        PoolSettings {
            max_size: self.pool_size,
            wait_timeout: Duration::from_millis(self.pool_timeout_ms),
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
        }
    }
}

#[derive(Debug, Args)]
// Members named: clap leaves a group empty when the struct flattens another.
#[group(required = true, multiple = false, args = ["demo", "synthetic"])]
pub struct SeedArgs {
    /// The demo data from the source documents (idempotent).
    #[arg(long)]
    pub demo: bool,

    /// Synthetic data at national scale for benchmarks (sizes below).
    #[arg(long)]
    pub synthetic: bool,

    #[command(flatten)]
    pub sizes: crate::seed::synthetic::SyntheticSizes,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_command_means_serve_on_the_default_address() {
        let mut cli = Cli::parse_from(["mathshub"]);
        let Command::Serve(args) = cli.take_command() else {
            panic!("expected serve")
        };
        assert_eq!(args.bind, "127.0.0.1:8080");
    }

    #[test]
    fn seed_needs_exactly_one_kind() {
        assert!(Cli::try_parse_from(["mathshub", "seed"]).is_err());
        assert!(Cli::try_parse_from(["mathshub", "seed", "--demo", "--synthetic"]).is_err());
        assert!(Cli::try_parse_from(["mathshub", "seed", "--demo"]).is_ok());
    }

    #[test]
    fn synthetic_sizes_are_flags_with_national_defaults() {
        let cli = Cli::try_parse_from(["mathshub", "seed", "--synthetic", "--hubs", "3"]).unwrap();
        let Some(Command::Seed(args)) = cli.command else {
            panic!("expected seed")
        };
        assert!(args.synthetic && !args.demo);
        assert_eq!((args.sizes.hubs, args.sizes.schools), (3, 20_000));
        assert!(Cli::try_parse_from(["mathshub", "seed", "--synthetic", "--hubs", "0"]).is_err());
    }
}
