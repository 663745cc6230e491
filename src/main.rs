//! The `mathshub` command: serve the API, migrate, seed, or print the OpenAPI document.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use mathshub::accounts::{Attachments, resolve_hub};
use mathshub::auth::secrets::initial_password;
use mathshub::auth::{Auth, AuthSettings, kept_key};
use mathshub::cli::{
    AuthArgs, Cli, Command, ImportCommand, NotifyArgs, RetentionCommandArgs, SeedArgs, ServeArgs,
    UserCommand, UserCreateArgs,
};
use mathshub::db::provision::Database;
use mathshub::db::{PoolSettings, build_pool};
use mathshub::domain::NewPassword;
use mathshub::notify::Notifier;
use mathshub::notify::letters::Letters;
use mathshub::notify::mail::Mailer;
use mathshub::observability::Liveness;
use mathshub::startup::{Application, ServerSettings};
use mathshub::webhooks::Dispatcher;

type AnyError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    let mut cli = Cli::parse();
    env_logger::Builder::new()
        .parse_filters(&cli.log_filter)
        .format(mathshub::observability::log_format::format)
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

/// Blocks of a megabyte or more (an Argon2id hash takes 19 MiB) are mapped and unmapped
/// directly. Otherwise glibc raises its mapping threshold after the first such block, and every
/// blocking-pool thread that ever hashed a password keeps 19 MiB in its own heap for good.
fn return_large_blocks_to_the_system() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets an allocator parameter, under glibc's own arena locks.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

async fn run(cli: &mut Cli) -> Result<(), AnyError> {
    match cli.take_command() {
        Command::Openapi => {
            print!(
                "{}",
                mathshub::startup::openapi::to_pretty_json(&mathshub::startup::openapi::document())
            );
            Ok(())
        }
        Command::Migrate => {
            let database = provision(cli).await?;
            database.shutdown().await;
            Ok(())
        }
        Command::Seed(args) => {
            let database = Database::provision(cli.database_url.as_ref(), &cli.data_dir).await?;
            let seeded = seed(&database, &args).await;
            database.shutdown().await;
            seeded
        }
        Command::Serve(args) => serve(cli, *args).await,
        Command::User(command) => {
            let database = provision(cli).await?;
            let done = manage_user(&database, command).await;
            database.shutdown().await;
            done
        }
        Command::Retention(args) => {
            let database = provision(cli).await?;
            let done = retention(&database, &args).await;
            database.shutdown().await;
            done
        }
        Command::Import(ImportCommand::Schools { file }) => {
            let contents = std::fs::read(&file)
                .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
            let database = provision(cli).await?;
            let done = import_schools(&database, &file, &contents).await;
            database.shutdown().await;
            done
        }
    }
}

/// Imports a GIAS file with a progress bar on standard error, then prints the counts and
/// every rejected row on standard output.
async fn import_schools(
    database: &Database,
    file: &std::path::Path,
    contents: &[u8],
) -> Result<(), AnyError> {
    use mathshub::school_import::{Source, import};
    let mut conn = AsyncPgConnection::establish(database.url().expose()).await?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({elapsed})")
            .expect("a valid template"),
    );
    let started = std::time::Instant::now();
    let imported = import(&mut conn, contents, Source::CommandLine, &|done, rows| {
        bar.set_length(rows as u64);
        bar.set_position(done as u64);
    })
    .await;
    bar.finish_and_clear();
    let report = imported?;
    println!(
        "Imported {} ({} rows) in {:.1?}: {} inserted, {} updated, {} unchanged, {} rejected.",
        file.display(),
        report.rows,
        started.elapsed(),
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected
    );
    if !report.rejected_rows.is_empty() {
        println!("Rejected rows:");
        for row in &report.rejected_rows {
            println!("  line {}, URN {:?}: {}", row.line, row.urn, row.reason);
        }
    }
    Ok(())
}

/// `mathshub retention`: the schedule carried out now, or with `--dry-run` only reported.
async fn retention(database: &Database, args: &RetentionCommandArgs) -> Result<(), AnyError> {
    use mathshub::db::retention::{expired, sweep};
    let periods = args.periods.periods();
    let pool = build_pool(database.url().expose(), &PoolSettings::default());
    let (counts, heading) = if args.dry_run {
        let mut conn = pool.get().await?;
        (
            expired(&mut conn, &periods).await?,
            "Retention, a dry run (nothing changed): what would go now",
        )
    } else {
        (sweep(&pool, &periods, 500).await?, "Retention: what went")
    };
    let lines = [
        (
            counts.enrolments,
            format!(
                "enrolments detached from their people ({} years after their academic year, {} with fees)",
                periods.participation_years, periods.fee_years
            ),
        ),
        (
            counts.audit_entries,
            format!(
                "audit entries deleted (older than {} years)",
                periods.audit_years
            ),
        ),
        (
            counts.messages,
            format!(
                "messages deleted (finished over {} days ago)",
                periods.message_days
            ),
        ),
        (
            counts.password_links,
            format!(
                "password links deleted (expired over {} days ago)",
                periods.password_link_days
            ),
        ),
        (
            counts.sign_ins,
            format!(
                "sign-ins deleted (expired over {} days ago)",
                periods.sign_in_days
            ),
        ),
        (
            counts.disabled_accounts,
            format!(
                "accounts erased (disabled over {} years ago, nothing outstanding)",
                periods.disabled_account_years
            ),
        ),
    ];
    println!("{heading}");
    for (count, what) in lines {
        println!("  {count:>8} {what}");
    }
    Ok(())
}

async fn serve(cli: &Cli, args: ServeArgs) -> Result<(), AnyError> {
    // Checked before anything starts, so a misconfigured deployment fails at once.
    let auth = Auth::new(&auth_settings(&args.auth, cli)?)?;
    let liveness = Liveness::default();
    let database = with_demo_data_if_new(
        Database::provision_to_serve(cli.database_url.as_ref(), &cli.data_dir, &liveness).await?,
    )
    .await?;
    keep_demo_current(&database).await?;
    if database.is_embedded() {
        log_demo_accounts();
    }
    let pool = build_pool(database.url().expose(), &args.pool.settings());
    tokio::spawn(mathshub::db::housekeeping::sweep_every(
        pool.clone(),
        Duration::from_secs(10 * 60),
    ));
    if args.retention_clock_secs > 0 {
        tokio::spawn(mathshub::db::retention::sweep_every(
            pool.clone(),
            args.retention.periods(),
            Duration::from_secs(args.retention_clock_secs),
        ));
    }
    if args.status_clock_secs > 0 {
        tokio::spawn(mathshub::db::status_clock::tick_every(
            pool.clone(),
            Duration::from_secs(args.status_clock_secs),
        ));
    }
    let settings = ServerSettings {
        bind: args.bind.clone(),
        cors_origins: args.cors_origins.clone(),
        workers: args.workers,
        public_url: args.public_url.clone(),
        eoi_url_template: args.eoi_url_template.clone(),
        metrics_token: args.metrics_token.clone(),
        liveness,
        webhook_targets: args.notify.webhook_targets(),
    };
    let account_tokens = auth.account_tokens.clone();
    let served = match Application::build(&settings, pool, auth) {
        Ok(application) => {
            application.stop_on_signals()?;
            if args.notify.outbox_poll_ms > 0 {
                // A connection of its own: delivering never waits for requests', nor they for it.
                let own_connection = PoolSettings {
                    max_size: 1,
                    ..args.pool.settings()
                };
                let poll = Duration::from_millis(args.notify.outbox_poll_ms);
                let pool = build_pool(database.url().expose(), &own_connection);
                let letters = Letters {
                    front_end: args.notify.front_end_url.clone(),
                    account_tokens,
                };
                let notifier = notifier(
                    &args.notify,
                    &cli.data_dir,
                    pool,
                    letters,
                    application.metrics(),
                )?;
                tokio::spawn(notifier.run(poll));
                let pool = build_pool(database.url().expose(), &own_connection);
                let dispatcher =
                    Dispatcher::new(pool, args.notify.webhook_settings(), application.metrics());
                tokio::spawn(dispatcher.run(poll));
            }
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

/// The outbox's delivery worker, mailing through the configured SMTP server or, without one,
/// into a folder of `.eml` files beside the data.
fn notifier(
    args: &NotifyArgs,
    data_dir: &std::path::Path,
    pool: mathshub::db::DbPool,
    letters: Letters,
    metrics: std::sync::Arc<mathshub::observability::Metrics>,
) -> Result<Notifier, AnyError> {
    let mailer = match &args.smtp_url {
        Some(url) => Mailer::smtp(url.expose())?,
        None => {
            let folder = data_dir.join("outbox-mail");
            log::info!(
                "no MATHSHUB_SMTP_URL: messages are written as .eml files in {}",
                folder.display()
            );
            Mailer::Folder(folder)
        }
    };
    Ok(Notifier {
        pool,
        mailer,
        from: args.mail_from.clone(),
        letters,
        retry: args.retry_policy(),
        reminder_lead: Duration::from_secs(args.reminder_lead_hours * 60 * 60),
        metrics,
    })
}

/// The JWT secret is required, and at least 32 bytes, except in embedded demo mode, which
/// keeps a key of its own in the data folder (made on first start) unless one is given.
fn auth_settings(args: &AuthArgs, cli: &Cli) -> Result<AuthSettings, AnyError> {
    let jwt_secret = match (&args.jwt_secret, &cli.database_url) {
        (Some(secret), _) => secret.clone(),
        (None, None) => {
            let key = kept_key::kept_in(&cli.data_dir)?;
            log::info!(
                "no MATHSHUB_JWT_SECRET: embedded demo mode signs tokens with the key kept in {}",
                cli.data_dir.join(kept_key::FILE_NAME).display()
            );
            key
        }
        (None, Some(_)) => {
            return Err("MATHSHUB_JWT_SECRET is required when DATABASE_URL is set: at least 32 random bytes, \
e.g. `openssl rand -base64 48`"
                .into());
        }
    };
    Ok(AuthSettings {
        jwt_secret,
        rate_limits: args.rate_limits(),
        trust_forwarded_for: args.trust_forwarded_for,
    })
}

fn log_demo_accounts() {
    use mathshub::seed::demo_accounts::{DEMO_ACCOUNTS, DEMO_PASSWORD};
    let accounts: Vec<String> = DEMO_ACCOUNTS
        .iter()
        .map(|account| format!("{} ({})", account.email, account.role))
        .collect();
    log::info!(
        "Demo accounts, password `{DEMO_PASSWORD}`: {}",
        accounts.join(", ")
    );
}

async fn manage_user(database: &Database, command: UserCommand) -> Result<(), AnyError> {
    let mut conn = AsyncPgConnection::establish(database.url().expose()).await?;
    match command {
        UserCommand::Create(args) => create_user(&mut conn, args).await,
        UserCommand::Disable { email } => {
            match mathshub::db::users::disable_by_email(&mut conn, email.as_str()).await? {
                Some(id) => {
                    println!(
                        "Disabled {} ({id}); its tokens no longer work.",
                        email.as_str()
                    );
                    Ok(())
                }
                None => Err(format!("no enabled account has the email {}", email.as_str()).into()),
            }
        }
    }
}

async fn create_user(conn: &mut AsyncPgConnection, args: UserCreateArgs) -> Result<(), AnyError> {
    let chosen = args.password_stdin.then(read_password).transpose()?;
    let attachments = attachments_of(conn, &args)
        .await
        .map_err(|error| error.problem().to_string())?;
    let email = args.email.as_str();
    let name = args.name.unwrap_or_else(|| email.to_owned());
    let fields = attachments.into_fields(email.to_owned(), name, args.role, None);
    let (password, generated) = initial_password(chosen.as_ref());
    let hash = mathshub::auth::password::hash(&password);
    let id = mathshub::db::users::insert(conn, &fields, Some(&hash))
        .await
        .map_err(|error| match mathshub::error::ApiError::from(error) {
            mathshub::error::ApiError::Conflict(_) => {
                format!("an account already has the email {email}")
            }
            other => other.to_string(),
        })?;
    println!("Created {} account {email} ({id}).", args.role);
    if let Some(password) = generated {
        println!("Password (shown once): {password}");
    }
    Ok(())
}

/// A password, the first line of standard input.
fn read_password() -> Result<NewPassword, AnyError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']);
    Ok(NewPassword::parse(line).map_err(|error| format!("password: {error}"))?)
}

/// What the account the command line describes is attached to, each named by its natural key.
async fn attachments_of(
    conn: &mut AsyncPgConnection,
    args: &UserCreateArgs,
) -> Result<Attachments, mathshub::error::ApiError> {
    let hub_id = match &args.hub {
        Some(slug) => Some(resolve_hub(conn, slug).await?),
        None => None,
    };
    Attachments::of_new_account(
        conn,
        args.role,
        hub_id,
        args.school.as_ref(),
        args.role_in_school,
        args.teaching_school_hub.as_ref(),
    )
    .await
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

/// The database of a command, migrated, with the demo data if it is new. (`seed` provisions
/// on its own: it loads what it is told.)
async fn provision(cli: &Cli) -> Result<Database, AnyError> {
    with_demo_data_if_new(Database::provision(cli.database_url.as_ref(), &cli.data_dir).await?)
        .await
}

/// An embedded database gets the demo data when it is first created, whichever command
/// creates it, so a later `serve` finds it.
async fn with_demo_data_if_new(database: Database) -> Result<Database, AnyError> {
    if database.created && database.is_embedded() {
        load_demo_data(&database).await?;
    }
    Ok(database)
}

/// Loads the demo data from the source documents, with the offer of today (idempotent).
async fn load_demo_data(database: &Database) -> Result<(), AnyError> {
    let mut conn = AsyncPgConnection::establish(database.url().expose()).await?;
    let summary = mathshub::seed::demo::load(&mut conn, chrono::Utc::now()).await?;
    log::info!("Loaded the demo data: {summary:?}");
    Ok(())
}

/// Lays the demo's offer out for today when the database holds the demo, so a demo loaded
/// long ago still shows groups open for interest; leaves any other database alone.
async fn keep_demo_current(database: &Database) -> Result<(), AnyError> {
    let mut conn = AsyncPgConnection::establish(database.url().expose()).await?;
    if mathshub::seed::demo::is_loaded(&mut conn).await? {
        let offer = mathshub::seed::demo_offer::make_current(&mut conn, chrono::Utc::now()).await?;
        log::info!("The demo's offer is laid out for today: {offer:?}");
    }
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
