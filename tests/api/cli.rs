//! The `mathshub` binary as a newcomer runs it: embedded PostgreSQL, demo data, clean stop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::helpers::TestDatabase;

const BINARY: &str = env!("CARGO_BIN_EXE_mathshub");

/// A data folder the `postgres` OS user can reach when tests run as root, removed afterwards.
pub(crate) struct DataDir(pub(crate) PathBuf);

impl DataDir {
    pub(crate) fn new() -> Self {
        Self(crate::helpers::cluster_folder(&format!(
            "mathshub-cli-{}",
            uuid::Uuid::now_v7().simple()
        )))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `mathshub serve` and everything it has logged so far.
pub(crate) struct Server {
    child: Child,
    logs: mpsc::Receiver<String>,
    pub(crate) seen: Vec<String>,
    pub(crate) port: u16,
}

impl Server {
    /// `mathshub serve` in embedded mode.
    fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[])
    }

    /// `mathshub serve` with these environment variables (`DATABASE_URL` only if given).
    pub(crate) fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BINARY)
            .args([
                "--data-dir",
                data_dir.to_str().unwrap(),
                "serve",
                "--bind",
                "127.0.0.1:0",
            ])
            .env_remove("DATABASE_URL")
            .env_remove("MATHSHUB_JWT_SECRET")
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mathshub");
        let stderr = child.stderr.take().unwrap();
        let (sender, logs) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let mut server = Self {
            child,
            logs,
            seen: Vec::new(),
            port: 0,
        };
        let line = server.wait_for("API at http://127.0.0.1:");
        let port = line
            .split("127.0.0.1:")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        server.port = port.parse().unwrap();
        server
    }

    pub(crate) fn wait_for(&mut self, text: &str) -> String {
        loop {
            match self.logs.recv_timeout(Duration::from_secs(90)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no log line with {text:?}; logged:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    fn logged(&self, text: &str) -> bool {
        self.seen.iter().any(|line| line.contains(text))
    }

    /// Sends SIGTERM and waits for a clean exit, collecting the last log lines.
    pub(crate) fn terminate(mut self) -> Vec<String> {
        // SAFETY: signals our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        // The reader thread ends at end of file: take every line it has yet to pass on.
        while let Ok(line) = self.logs.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        assert!(
            status.success(),
            "exit {status:?}; logged:\n{}",
            self.seen.join("\n")
        );
        std::mem::take(&mut self.seen)
    }
}

impl Drop for Server {
    /// A failed test still stops its server, and so the server's PostgreSQL.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: signals our own child process.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
            let _ = self.child.wait();
        }
    }
}

async fn get_json(port: u16, path: &str) -> serde_json::Value {
    reqwest::get(format!("http://127.0.0.1:{port}{path}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_starts_embedded_postgres_loads_demo_once_and_stops_it_on_sigterm() {
    let data_dir = DataDir::new();

    // First start: a new cluster, migrated, with the demo data.
    let first = Server::start(&data_dir.0);
    assert!(
        first.logged("Using database postgres://mathshub:***@127.0.0.1:"),
        "{:?}",
        first.seen
    );
    assert!(
        !first
            .seen
            .iter()
            .any(|line| line.contains(&password(&data_dir.0))),
        "the password was logged"
    );
    assert!(first.logged("Loaded the demo data"), "{:?}", first.seen);
    assert!(
        first.logged(
            "Demo accounts, password `maths-hubs-demo`: admin@demo.mathshub.invalid (admin)"
        ),
        "{:?}",
        first.seen
    );
    let signed_in = crate::helpers::client()
        .post(format!("http://127.0.0.1:{}/api/v1/auth/login", first.port))
        .json(&serde_json::json!({"email": "admin@demo.mathshub.invalid", "password": "maths-hubs-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let hubs = get_json(first.port, "/api/v1/hubs").await;
    let hub_count = hubs["items"].as_array().unwrap().len();
    assert!(hub_count >= 4, "{hubs}");
    let logged = first.terminate();
    assert!(
        logged
            .iter()
            .any(|line| line.contains("Embedded PostgreSQL stopped")),
        "{logged:?}"
    );
    assert!(
        !data_dir.0.join("pgdata/postmaster.pid").exists(),
        "the cluster was stopped"
    );

    // Second start: the same cluster and data, no second demo load.
    let second = Server::start(&data_dir.0);
    assert!(!second.logged("Loaded the demo data"));
    let again = get_json(second.port, "/api/v1/hubs").await;
    assert_eq!(again["items"].as_array().unwrap().len(), hub_count);
    second.terminate();
}

fn password(data_dir: &Path) -> String {
    std::fs::read_to_string(data_dir.join("credentials"))
        .unwrap()
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_server_on_the_same_data_folder_fails_with_a_clear_message() {
    let data_dir = DataDir::new();
    let first = Server::start(&data_dir.0);

    let second = Command::new(BINARY)
        .args([
            "--data-dir",
            data_dir.0.to_str().unwrap(),
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();

    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("already used by another mathshub process"),
        "{stderr}"
    );
    first.terminate();
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_with_database_url_starts_nothing_and_hides_the_password() {
    let database = TestDatabase::create_unmigrated().await;
    let data_dir = DataDir::new();

    let output = Command::new(BINARY)
        .args(["--data-dir", data_dir.0.to_str().unwrap(), "migrate"])
        .env("DATABASE_URL", &database.url)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let migrations = std::fs::read_dir("migrations").unwrap().count();
    assert!(
        stderr.contains(&format!("Applied {migrations} migration(s)")),
        "{stderr}"
    );
    assert!(stderr.contains(":***@127.0.0.1"), "{stderr}");
    assert!(
        !data_dir.0.join("pgdata").exists(),
        "no embedded cluster was made"
    );
}

#[test]
fn openapi_prints_the_committed_document() {
    let output = Command::new(BINARY).arg("openapi").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        include_str!("../../openapi/openapi.json")
    );
}

#[test]
fn help_explains_every_command_and_setting() {
    let output = Command::new(BINARY).arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for word in [
        "serve",
        "migrate",
        "seed",
        "openapi",
        "retention",
        "DATABASE_URL",
        "MATHSHUB_DATA_DIR",
        "RUST_LOG",
    ] {
        assert!(
            help.contains(word),
            "--help does not mention {word}:\n{help}"
        );
    }
    let serve = String::from_utf8(
        Command::new(BINARY)
            .args(["serve", "--help"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        serve.contains("MATHSHUB_BIND") && serve.contains("127.0.0.1:8080"),
        "{serve}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_demo_loads_the_documents_into_the_named_database_and_is_idempotent() {
    let database = TestDatabase::create_unmigrated().await;
    let seed = || {
        Command::new(BINARY)
            .args(["seed", "--demo"])
            .env("DATABASE_URL", &database.url)
            .env("RUST_LOG", "info")
            .output()
            .unwrap()
    };

    let first = seed();
    let second = seed();

    for output in [&first, &second] {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("hubs: 0"),
        "the second run adds nothing"
    );
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let hubs: Count = diesel::sql_query("SELECT count(*) AS count FROM hubs")
        .get_result(&mut database.connection().await)
        .await
        .unwrap();
    assert_eq!(hubs.count, 4);
}

const SECRET: &str = "a-jwt-secret-of-at-least-thirty-two-bytes";

/// Runs `mathshub` against `database` with these arguments and standard input.
pub(crate) fn mathshub(
    database: &TestDatabase,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(BINARY)
        .args(args)
        .env("DATABASE_URL", &database.url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

async fn login_status(app: &crate::helpers::TestApp, email: &str, password: &str) -> u16 {
    app.login(email, password).await.status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_to_start_without_a_long_enough_jwt_secret_outside_embedded_mode() {
    let database = TestDatabase::create().await;
    let data_dir = DataDir::new();
    for (secret, expected) in [
        (None, "MATHSHUB_JWT_SECRET is required"),
        (Some("thirty-one-bytes-is-one-too-few"), "at least 32 bytes"),
    ] {
        let mut command = Command::new(BINARY);
        command
            .args([
                "--data-dir",
                data_dir.0.to_str().unwrap(),
                "serve",
                "--bind",
                "127.0.0.1:0",
            ])
            .env("DATABASE_URL", &database.url)
            .env_remove("MATHSHUB_JWT_SECRET");
        if let Some(secret) = secret {
            command.env("MATHSHUB_JWT_SECRET", secret);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(
            !stderr.contains("thirty-one-bytes"),
            "the secret was printed: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_with_database_url_has_no_demo_accounts() {
    let database = TestDatabase::create().await;
    let data_dir = DataDir::new();
    let server = Server::start_with(
        &data_dir.0,
        &[
            ("DATABASE_URL", &database.url),
            ("MATHSHUB_JWT_SECRET", SECRET),
        ],
    );
    assert!(!server.logged("Demo accounts"), "{:?}", server.seen);
    let refused = crate::helpers::client()
        .post(format!("http://127.0.0.1:{}/api/v1/auth/login", server.port))
        .json(&serde_json::json!({"email": "admin@demo.mathshub.invalid", "password": "maths-hubs-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    server.terminate();
}

#[tokio::test(flavor = "multi_thread")]
async fn user_create_takes_the_password_from_stdin_or_generates_one_and_user_disable_ends_access() {
    let app = crate::helpers::TestApp::spawn_with_demo().await;
    let chosen = "the first admin's own passphrase";
    let created = mathshub(
        &app.database,
        &[
            "user",
            "create",
            "--email",
            "first.admin@hub.example",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{chosen}\n"),
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let printed = String::from_utf8_lossy(&created.stdout);
    assert!(
        !printed.contains(chosen),
        "the chosen password was printed: {printed}"
    );
    assert_eq!(
        login_status(&app, "first.admin@hub.example", chosen).await,
        200
    );

    let generated = mathshub(
        &app.database,
        &[
            "user",
            "create",
            "--email",
            "new.lead@hub.example",
            "--role",
            "lead",
            "--hub",
            "london-central-and-west",
            "--name",
            "New Lead",
        ],
        "",
    );
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let stdout = String::from_utf8_lossy(&generated.stdout);
    let password = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Password (shown once): "))
        .unwrap_or_else(|| panic!("no password printed: {stdout}"));
    assert_eq!(
        login_status(&app, "new.lead@hub.example", password).await,
        200
    );

    let disabled = mathshub(
        &app.database,
        &["user", "disable", "--email", "NEW.LEAD@hub.example"],
        "",
    );
    assert!(
        disabled.status.success(),
        "{}",
        String::from_utf8_lossy(&disabled.stderr)
    );
    assert_eq!(
        login_status(&app, "new.lead@hub.example", password).await,
        401
    );
    let again = mathshub(
        &app.database,
        &["user", "disable", "--email", "new.lead@hub.example"],
        "",
    );
    assert!(!again.status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn user_create_refuses_bad_accounts_with_a_clear_message_and_creates_nothing() {
    let app = crate::helpers::TestApp::spawn_with_demo().await;
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["--email", "t@school.example", "--role", "participant"],
            "",
            "school_urn: is required for the role participant",
        ),
        (
            &[
                "--email",
                "t@school.example",
                "--role",
                "lead",
                "--hub",
                "no-such-hub",
            ],
            "",
            "no hub has the slug no-such-hub",
        ),
        (
            &["--email", "admin@demo.mathshub.invalid", "--role", "admin"],
            "",
            "already has the email",
        ),
        (
            &[
                "--email",
                "t@school.example",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "short\n",
            "password: must be 12 to 128 characters",
        ),
    ];
    for (args, stdin, expected) in cases {
        let mut argv = vec!["user", "create"];
        argv.extend_from_slice(args);
        let output = mathshub(&app.database, &argv, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{argv:?}");
        assert!(stderr.contains(expected), "{argv:?}: {stderr}");
    }
    assert_eq!(
        login_status(&app, "t@school.example", "anything at all").await,
        401
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_schools_upserts_the_file_prints_the_counts_and_rejects_and_exits_zero() {
    use crate::school_import::{GIAS_FILE, REJECTED, app_with_la_numbers, stored};
    let app = app_with_la_numbers().await;
    let folder = DataDir::new();
    let file = folder.0.join("gias.csv");
    std::fs::write(&file, GIAS_FILE).unwrap();

    let output = mathshub(
        &app.database,
        &["import", "schools", file.to_str().unwrap()],
        "",
    );

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("(12 rows)")
            && stdout.contains("2 inserted, 2 updated, 1 unchanged, 7 rejected."),
        "{stdout}"
    );
    for (line, urn, words) in REJECTED {
        let printed = format!("line {line}, URN \"{urn}\": ");
        assert!(
            stdout
                .lines()
                .any(|text| text.contains(&printed) && text.contains(words)),
            "{printed}{words} not in {stdout}"
        );
    }
    assert_eq!(
        stored(&app, "900002").await,
        "Our Lady of Pity Primary School|primary|E08000015|-|-|closed"
    );
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM audit_log WHERE action = 'schools.imported' \
             AND actor_id IS NULL AND details->>'via' = 'command_line'",
            &[]
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_schools_exits_non_zero_and_changes_nothing_when_the_file_is_malformed() {
    use crate::school_import::{GIAS_FILE, app_with_la_numbers, schools_state};
    let app = app_with_la_numbers().await;
    let folder = DataDir::new();
    let ragged = folder.0.join("ragged.csv");
    std::fs::write(&ragged, format!("{GIAS_FILE}118799,Short Row\n")).unwrap();
    let before = schools_state(&app).await;

    for (path, words) in [
        (ragged, "line 14 has 2 fields where the header has 9"),
        (folder.0.join("missing.csv"), "cannot read"),
    ] {
        let output = mathshub(
            &app.database,
            &["import", "schools", path.to_str().unwrap()],
            "",
        );

        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains(words), "{words:?} not in {stderr}");
    }
    assert_eq!(schools_state(&app).await, before);
}

#[test]
fn any_command_that_creates_the_embedded_database_loads_the_demo_data_once() {
    let data_dir = DataDir::new();
    let create_user = |email: &str| {
        Command::new(BINARY)
            .args(["--data-dir", data_dir.0.to_str().unwrap(), "--log", "info"])
            .args(["user", "create", "--email", email, "--role", "admin"])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };

    let first = create_user("first.admin@school.example");
    let again = create_user("admin@demo.mathshub.invalid");

    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(stderr.contains("Loaded the demo data"), "{stderr}");
    // The demo's admin account is there already: the command that created the database
    // loaded the demo, as a first `serve` would have.
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already"), "{stderr}");
    assert!(!stderr.contains("Loaded the demo data"), "{stderr}");
}
