//! The `mathshub` command: serve the API, migrate, seed, or print the OpenAPI document.

use std::process::ExitCode;

use clap::Parser;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use mathshub::cli::{Cli, Command, SeedArgs, ServeArgs};
use mathshub::db::build_pool;
use mathshub::db::provision::Database;
use mathshub::startup::{Application, ServerSettings};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let mut cli = Cli::parse();
    env_logger::Builder::new()
        .parse_filters(&cli.log_filter)
        .format_timestamp_millis()
        .init();
    match run(&mut cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log::error!("{error}");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &mut Cli) -> Result<(), AnyError> {
    match cli.take_command() {
        Command::Openapi => {
            print!(
                "{}",
                mathshub::openapi::to_pretty_json(&mathshub::openapi::document())
            );
            Ok(())
        }
        Command::Migrate => {
            let database = Database::provision(cli.database_url.as_ref(), &cli.data_dir).await?;
            database.shutdown().await;
            Ok(())
        }
        Command::Seed(args) => {
            let database = Database::provision(cli.database_url.as_ref(), &cli.data_dir).await?;
            let seeded = seed(&database, &args).await;
            database.shutdown().await;
            seeded
        }
        Command::Serve(args) => serve(cli, args).await,
    }
}

async fn serve(cli: &Cli, args: ServeArgs) -> Result<(), AnyError> {
    let database = Database::provision(cli.database_url.as_ref(), &cli.data_dir).await?;
    if database.created && database.is_embedded() {
        load_demo_data(&database).await?;
    }
    let pool = build_pool(database.url().expose(), &args.pool.settings());
    let settings = ServerSettings {
        bind: args.bind.clone(),
        cors_origins: args.cors_origins.clone(),
        workers: args.workers,
    };
    let served = match Application::build(&settings, pool) {
        Ok(application) => {
            application.stop_on_signals()?;
            let base = format!("http://{}", display_address(&args.bind, application.port()));
            log::info!(
                "API at {base}/api/v1, Swagger UI at {base}/swagger-ui/, OpenAPI at {base}/api-docs/openapi.json"
            );
            application
                .run_until_stopped()
                .await
                .map_err(AnyError::from)
        }
        Err(error) => Err(format!("cannot listen on {}: {error}", args.bind).into()),
    };
    database.shutdown().await;
    served
}

async fn seed(database: &Database, args: &SeedArgs) -> Result<(), AnyError> {
    if args.demo {
        return load_demo_data(database).await;
    }
    let mut conn = AsyncPgConnection::establish(database.url().expose()).await?;
    let started = std::time::Instant::now();
    let summary = mathshub::seed::synthetic::load(&mut conn, &args.sizes).await?;
    log::info!(
        "Loaded synthetic data in {:.1?}: {summary:?}",
        started.elapsed()
    );
    Ok(())
}

/// Loads the demo data from the source documents (idempotent).
async fn load_demo_data(database: &Database) -> Result<(), AnyError> {
    let mut conn = AsyncPgConnection::establish(database.url().expose()).await?;
    let summary = mathshub::seed::demo::load(&mut conn).await?;
    log::info!("Loaded the demo data: {summary:?}");
    Ok(())
}

/// The address to show in logs: the bound port, and `127.0.0.1` for a wildcard host.
fn display_address(bind: &str, port: u16) -> String {
    let host = bind.rsplit_once(':').map_or(bind, |(host, _)| host);
    let host = if host == "0.0.0.0" || host == "[::]" {
        "127.0.0.1"
    } else {
        host
    };
    format!("{host}:{port}")
}
