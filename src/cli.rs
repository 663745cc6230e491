//! The command line: every setting is a flag or an environment variable, and `--help`
//! explains each.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::{PublicUrl, Secret};
use crate::db::PoolSettings;
use crate::domain::retention::RetentionPeriods;
use crate::domain::retry::RetryPolicy;
use crate::domain::{
    DEFAULT_EOI_URL_TEMPLATE, Email, EoiUrlTemplate, Role, RoleInSchool, Slug, Urn,
};
use crate::webhooks::WebhookSettings;
use crate::webhooks::target::TargetPolicy;

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
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load data into the database: the demo data from the source documents, or synthetic
    /// data at national scale for benchmarks.
    Seed(SeedArgs),
    /// Print the OpenAPI document (as served at /api-docs/openapi.json) to standard output.
    Openapi,
    /// Manage accounts: create the first admin of a deployment, or disable an account.
    #[command(subcommand)]
    User(UserCommand),
    /// Import reference data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Carry out the retention schedule now: pseudonymise or delete the personal data kept
    /// past its period (the server also does so every hour). With --dry-run, only report
    /// what would go.
    Retention(RetentionCommandArgs),
}

#[derive(Debug, Args)]
pub struct RetentionCommandArgs {
    /// Report what the schedule has expired, changing nothing.
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub periods: RetentionArgs,
}

/// The retention schedule's periods (`docs/retention.md`).
#[derive(Debug, Clone, Args)]
pub struct RetentionArgs {
    /// Years after its academic year ends (31 August) that an enrolment, with its
    /// attendance, is detached from the person.
    #[arg(long, env = "MATHSHUB_RETAIN_PARTICIPATION_YEARS",
          default_value_t = RetentionPeriods::default().participation_years,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    pub retain_participation_years: u16,

    /// The same for an enrolment with fees, kept as long as financial records are.
    #[arg(long, env = "MATHSHUB_RETAIN_FEES_YEARS",
          default_value_t = RetentionPeriods::default().fee_years,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    pub retain_fees_years: u16,

    /// Years an audit entry is kept.
    #[arg(long, env = "MATHSHUB_RETAIN_AUDIT_YEARS",
          default_value_t = RetentionPeriods::default().audit_years,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    pub retain_audit_years: u16,

    /// Days a message is kept once delivered, suppressed or dead.
    #[arg(long, env = "MATHSHUB_RETAIN_MESSAGES_DAYS",
          default_value_t = RetentionPeriods::default().message_days,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub retain_messages_days: u32,

    /// Days a password link is kept once expired.
    #[arg(long, env = "MATHSHUB_RETAIN_PASSWORD_LINKS_DAYS",
          default_value_t = RetentionPeriods::default().password_link_days,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub retain_password_links_days: u32,

    /// Days a sign-in (its refresh token) is kept once expired.
    #[arg(long, env = "MATHSHUB_RETAIN_SIGN_INS_DAYS",
          default_value_t = RetentionPeriods::default().sign_in_days,
          value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub retain_sign_ins_days: u32,

    /// Years after it was disabled that an account with nothing outstanding is erased.
    #[arg(long, env = "MATHSHUB_RETAIN_DISABLED_ACCOUNTS_YEARS",
          default_value_t = RetentionPeriods::default().disabled_account_years,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    pub retain_disabled_accounts_years: u16,
}

impl RetentionArgs {
    pub fn periods(&self) -> RetentionPeriods {
        RetentionPeriods {
            participation_years: self.retain_participation_years,
            fee_years: self.retain_fees_years,
            audit_years: self.retain_audit_years,
            message_days: self.retain_messages_days,
            password_link_days: self.retain_password_links_days,
            sign_in_days: self.retain_sign_ins_days,
            disabled_account_years: self.retain_disabled_accounts_years,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import schools from a Get Information about Schools CSV (UTF-8) with the columns URN,
    /// EstablishmentName, LA (code), LA (name), PhaseOfEducation (name),
    /// DistrictAdministrative (code), Postcode and EstablishmentStatus (name), in any order
    /// among others. Rows are upserted by URN in one transaction; closed schools are marked
    /// closed, never deleted. Prints the counts and every rejected row; exits non-zero, having
    /// changed nothing, only when the file cannot be read as such a CSV.
    Schools {
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. With --password-stdin the password is read from standard input;
    /// otherwise one is generated and printed once.
    Create(UserCreateArgs),
    /// Disable an account: it can no longer sign in, and its tokens stop working at once.
    Disable {
        /// The account's email address.
        #[arg(long, value_parser = Email::parse)]
        email: Email,
    },
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// The email address to sign in with.
    #[arg(long, value_parser = Email::parse)]
    pub email: Email,

    /// admin, hub_manager, lead, participant or partner.
    #[arg(long, value_parser = Role::parse)]
    pub role: Role,

    /// The name shown for the account (default: the email address).
    #[arg(long)]
    pub name: Option<String>,

    /// The hub (slug) of a hub manager or lead.
    #[arg(long, value_parser = Slug::parse)]
    pub hub: Option<Slug>,

    /// The school (URN) of a participant.
    #[arg(long, value_parser = Urn::parse)]
    pub school: Option<Urn>,

    /// A participant's role in their school, e.g. teacher or head_of_department.
    #[arg(long, value_parser = RoleInSchool::parse)]
    pub role_in_school: Option<RoleInSchool>,

    /// The Teaching School Hub (slug) of a partner.
    #[arg(long, value_parser = Slug::parse)]
    pub teaching_school_hub: Option<Slug>,

    /// Read the password (12 to 128 characters) from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

impl Cli {
    /// The command to run: `serve` with its defaults when none is given.
    pub fn take_command(&mut self) -> Command {
        self.command
            .take()
            .unwrap_or_else(|| Command::Serve(Box::new(ServeArgs::parse_from(["serve"]))))
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

    /// The address clients reach the API at, for the absolute URLs it hands out (a personal
    /// calendar feed's, a calendar event's link to its work group): behind a proxy, e.g.
    /// https://api.mathshub.example. http:// or https://, no query.
    #[arg(long, env = "MATHSHUB_PUBLIC_URL", default_value = PublicUrl::LOCAL,
          value_parser = PublicUrl::parse)]
    pub public_url: PublicUrl,

    /// Seconds between moves of work groups by time (closed after the deadline, running from
    /// the first session, completed after the last); 0 turns the clock off, e.g. to measure
    /// a fixed data set.
    #[arg(long, env = "MATHSHUB_STATUS_CLOCK_SECS", default_value_t = 60)]
    pub status_clock_secs: u64,

    /// Seconds between sweeps of the retention schedule (personal data kept past its period
    /// pseudonymised or deleted, see `mathshub retention`); 0 turns them off in this process.
    #[arg(long, env = "MATHSHUB_RETENTION_CLOCK_SECS", default_value_t = 3600)]
    pub retention_clock_secs: u64,

    /// The front end's page for expressing interest in a work group, which signposting links
    /// to: an http(s) URL template with {work_group_id}, and {referred_by} as the value of a
    /// query parameter (the referring Teaching School Hub's slug; left out when none).
    #[arg(long, env = "MATHSHUB_EOI_URL_TEMPLATE", default_value = DEFAULT_EOI_URL_TEMPLATE,
          value_parser = EoiUrlTemplate::parse)]
    pub eoi_url_template: EoiUrlTemplate,

    /// A bearer token `GET /metrics` then asks for (Prometheus's `authorization` setting);
    /// unset, the metrics are open to whoever reaches the port.
    #[arg(long, env = "MATHSHUB_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,

    #[command(flatten)]
    pub pool: PoolArgs,

    #[command(flatten)]
    pub auth: AuthArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,

    #[command(flatten)]
    pub retention: RetentionArgs,
}

/// How the server tells people what happened (`notify`).
#[derive(Debug, Clone, Args)]
pub struct NotifyArgs {
    /// The mail server: `smtp://user:password@host:587?tls=required` (STARTTLS),
    /// `smtps://user:password@host:465` (TLS) or `smtp://host:1025` (a local mail catcher).
    /// Unset, each message is written as an `.eml` file under `<data-dir>/outbox-mail`.
    #[arg(long, env = "MATHSHUB_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// Who messages come from.
    #[arg(
        long,
        env = "MATHSHUB_MAIL_FROM",
        default_value = "Maths Hubs <no-reply@mathshub.invalid>"
    )]
    pub mail_from: lettre::message::Mailbox,

    /// The front end messages link to: `{front-end-url}/enrolments/{enrolment id}`.
    #[arg(long, env = "MATHSHUB_FRONT_END_URL", default_value = "https://mathshub.invalid",
          value_parser = PublicUrl::parse)]
    pub front_end_url: PublicUrl,

    /// Hours before a session its participants are reminded of it.
    #[arg(long, env = "MATHSHUB_REMINDER_LEAD_HOURS", default_value_t = 48,
          value_parser = clap::value_parser!(u64).range(1..=24 * 28))]
    pub reminder_lead_hours: u64,

    /// Delivery attempts of a message before it is given up as dead (an admin may retry it).
    #[arg(long, env = "MATHSHUB_OUTBOX_MAX_ATTEMPTS", default_value_t = RetryPolicy::default().max_attempts,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub outbox_max_attempts: u32,

    /// Milliseconds between the delivery worker's looks at the outbox; 0 turns the worker
    /// off in this process (another must then deliver).
    #[arg(long, env = "MATHSHUB_OUTBOX_POLL_MS", default_value_t = 250)]
    pub outbox_poll_ms: u64,

    /// Seconds a webhook delivery attempt may take, connecting included.
    #[arg(long, env = "MATHSHUB_WEBHOOK_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhook_timeout_secs: u64,

    /// Hours a webhook endpoint may fail every delivery before it is disabled (and its
    /// partner's people told).
    #[arg(long, env = "MATHSHUB_WEBHOOK_DISABLE_AFTER_HOURS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=24 * 30))]
    pub webhook_disable_after_hours: u64,

    /// Lets webhook endpoints use plain `http` and loopback addresses. For tests and local
    /// development only: never on a server partners use.
    #[arg(long, env = "MATHSHUB_WEBHOOKS_ALLOW_PLAIN_HTTP")]
    pub webhooks_allow_plain_http: bool,
}

impl NotifyArgs {
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.outbox_max_attempts,
            ..RetryPolicy::default()
        }
    }

    pub fn webhook_targets(&self) -> TargetPolicy {
        TargetPolicy {
            plain_http_and_loopback: self.webhooks_allow_plain_http,
        }
    }

    pub fn webhook_settings(&self) -> WebhookSettings {
        WebhookSettings {
            targets: self.webhook_targets(),
            timeout: Duration::from_secs(self.webhook_timeout_secs),
            disable_after: Duration::from_secs(self.webhook_disable_after_hours * 60 * 60),
            retry: self.retry_policy(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// Key that signs access tokens (HS256): at least 32 random bytes, e.g. from
    /// `openssl rand -base64 48`. Required with DATABASE_URL; without it (embedded demo mode)
    /// a random key is made on first start and kept in `<data-dir>/jwt-secret`.
    #[arg(long, env = "MATHSHUB_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Sign-in attempts (login and partner token) allowed per client address per window.
    #[arg(long, env = "MATHSHUB_AUTH_ATTEMPTS_PER_ADDRESS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_attempts_per_address: u32,

    /// Sign-in attempts allowed per account (email or client id) per window.
    #[arg(long, env = "MATHSHUB_AUTH_ATTEMPTS_PER_ACCOUNT", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_attempts_per_account: u32,

    /// Expressions of interest allowed per participant per window.
    #[arg(long, env = "MATHSHUB_EXPRESSIONS_OF_INTEREST_PER_ACCOUNT", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub expressions_of_interest_per_account: u32,

    /// Length of the rate-limit windows (sign-in and expressions of interest), in seconds.
    #[arg(long, env = "MATHSHUB_AUTH_WINDOW_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub auth_window_secs: u64,

    /// Count attempts against the address in `Forwarded`/`X-Forwarded-For`: set this only
    /// behind a reverse proxy that sets those headers, or clients could choose their address.
    #[arg(long, env = "MATHSHUB_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
}

impl AuthArgs {
    pub fn rate_limits(&self) -> crate::auth::rate_limit::RateLimits {
        crate::auth::rate_limit::RateLimits {
            per_address: self.auth_attempts_per_address,
            per_account: self.auth_attempts_per_account,
            expressions_of_interest: self.expressions_of_interest_per_account,
            window: Duration::from_secs(self.auth_window_secs),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct PoolArgs {
    /// Most database connections the server holds: by default twice this machine's cores, at
    /// least 4 (the rule of thumb for a database on the same host).
    #[arg(long, env = "MATHSHUB_POOL_SIZE", default_value_t = PoolSettings::default_max_size())]
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
        assert_eq!(args.public_url.join("/x"), "http://127.0.0.1:8080/x");
    }

    #[test]
    fn the_public_url_is_checked_when_read() {
        let serve = |url: &str| Cli::try_parse_from(["mathshub", "serve", "--public-url", url]);
        assert!(serve("https://api.mathshub.example/").is_ok());
        assert!(serve("api.mathshub.example").is_err());
    }

    #[test]
    fn a_bad_expression_of_interest_url_template_stops_serve_at_once() {
        let refused = Cli::try_parse_from([
            "mathshub",
            "serve",
            "--eoi-url-template",
            "https://hubs.example.org/interest",
        ])
        .unwrap_err()
        .to_string();
        assert!(
            refused.contains("--eoi-url-template") && refused.contains("{work_group_id}"),
            "{refused}"
        );
        let mut cli = Cli::parse_from(["mathshub"]);
        let Command::Serve(args) = cli.take_command() else {
            panic!("expected serve")
        };
        assert_eq!(args.eoi_url_template, EoiUrlTemplate::default());
    }

    #[test]
    fn user_create_parses_and_validates_its_values() {
        let cli = Cli::try_parse_from([
            "mathshub",
            "user",
            "create",
            "--email",
            "a@b.example",
            "--role",
            "lead",
            "--hub",
            "glow",
        ])
        .unwrap();
        let Some(Command::User(UserCommand::Create(args))) = cli.command else {
            panic!("expected user create")
        };
        assert_eq!(
            (args.role, args.hub.unwrap().as_str()),
            (Role::Lead, "glow")
        );
        assert!(!args.password_stdin);
        for bad in [
            ["--email", "not-an-email", "--role", "admin"],
            ["--email", "a@b.example", "--role", "superuser"],
        ] {
            let mut argv = vec!["mathshub", "user", "create"];
            argv.extend(bad);
            assert!(Cli::try_parse_from(argv).is_err());
        }
    }

    #[test]
    fn import_schools_takes_a_file() {
        let cli = Cli::try_parse_from(["mathshub", "import", "schools", "gias.csv"]).unwrap();
        let Some(Command::Import(ImportCommand::Schools { file })) = cli.command else {
            panic!("expected import schools")
        };
        assert_eq!(file, PathBuf::from("gias.csv"));
        assert!(Cli::try_parse_from(["mathshub", "import", "schools"]).is_err());
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
