//! `mathshub` over its embedded PostgreSQL as several processes meet it: a command beside a
//! server on the same data folder, the server's PostgreSQL killed under traffic or made
//! impossible to restart, and the token key kept across restarts.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::{DataDir, Server};
use crate::helpers::TEST_JWT_SECRET;

const BINARY: &str = env!("CARGO_BIN_EXE_mathshub");
const DEMO_ADMIN: &str = "admin@demo.mathshub.invalid";
const DEMO_PASSWORD: &str = "maths-hubs-demo";

/// Longest the tests wait for anything to happen by itself (a restart, a report).
const PATIENCE: Duration = Duration::from_secs(90);

/// Runs `mathshub --data-dir DATA_DIR ARGS` in embedded mode with `stdin` as its input.
fn command_on(data_dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BINARY)
        .args(["--data-dir", data_dir.to_str().unwrap()])
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
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

fn create_admin(data_dir: &Path, email: &str, password: &str) -> Output {
    command_on(
        data_dir,
        &[
            "user",
            "create",
            "--email",
            email,
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    )
}

fn assert_succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn pid_file(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("pgdata/postmaster.pid")
}

/// The PID of the postmaster serving the cluster in `data_dir`.
fn postmaster_pid(data_dir: &Path) -> i32 {
    let contents = std::fs::read_to_string(pid_file(data_dir)).expect("read postmaster.pid");
    contents.lines().next().unwrap().trim().parse().unwrap()
}

/// Kills the postmaster with SIGKILL, as the out-of-memory killer would.
fn kill_postmaster(data_dir: &Path) -> i32 {
    let pid = postmaster_pid(data_dir);
    // SAFETY: plain kill(2) of the PostgreSQL server the test's own server started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    pid
}

fn url(server: &Server, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", server.port)
}

async fn login(server: &Server, email: &str, password: &str) -> reqwest::Response {
    crate::helpers::client()
        .post(url(server, "/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn access_token(server: &Server, email: &str, password: &str) -> String {
    let signed_in = login(server, email, password).await;
    assert_eq!(signed_in.status(), 200);
    let body: Value = signed_in.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn me_status(server: &Server, token: &str) -> u16 {
    crate::helpers::client()
        .get(url(server, "/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Polls `path` (each poll bounded) until it answers `status`, within [`PATIENCE`]; the answer.
async fn poll_until(server: &Server, path: &str, status: u16) -> reqwest::Response {
    let client = crate::helpers::client();
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        let answer = client
            .get(url(server, path))
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        if let Ok(answer) = answer
            && answer.status().as_u16() == status
        {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} did not answer {status} within {PATIENCE:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn user_create_beside_a_running_server_joins_its_cluster_and_the_account_signs_in_at_once() {
    // Arrange: `mathshub serve` on the data folder.
    let data_dir = DataDir::new();
    let server = Server::start_with(&data_dir.0, &[]);
    let postmaster = postmaster_pid(&data_dir.0);

    // Act: a second terminal creates an account.
    let created = create_admin(
        &data_dir.0,
        "second.terminal@hub.example",
        "a passphrase of my own",
    );

    // Assert: it worked, on the server's own PostgreSQL, which it left running.
    assert_succeeded(&created);
    assert_eq!(
        login(
            &server,
            "second.terminal@hub.example",
            "a passphrase of my own"
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        postmaster_pid(&data_dir.0),
        postmaster,
        "the command neither stopped nor restarted the server's PostgreSQL"
    );
    server.terminate();
    assert!(
        !pid_file(&data_dir.0).exists(),
        "the server stopped its cluster"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_with_no_server_running_starts_the_cluster_itself_and_stops_it_when_done() {
    let data_dir = DataDir::new();

    let created = create_admin(&data_dir.0, "alone@hub.example", "a passphrase of my own");

    assert_succeeded(&created);
    assert!(
        !pid_file(&data_dir.0).exists(),
        "the command stopped the cluster it started"
    );
    let server = Server::start_with(&data_dir.0, &[]);
    assert_eq!(
        login(&server, "alone@hub.example", "a passphrase of my own")
            .await
            .status(),
        200
    );
    server.terminate();
}

/// Waits, within [`PATIENCE`], until a postmaster other than `killed` serves the cluster.
async fn wait_for_another_postmaster(data_dir: &Path, killed: i32) {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        let running = std::fs::read_to_string(pid_file(data_dir)).unwrap_or_default();
        let pid = running
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok());
        if pid.is_some_and(|pid: i32| pid != killed) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no PostgreSQL server replaced the killed one (pid {killed}) within {PATIENCE:?}");
}

/// A school for `POST /api/v1/schools` with URN `urn`.
fn school(urn: u32) -> Value {
    json!({
        "urn": urn.to_string(), "name": format!("School {urn}"), "phase": "secondary",
        "local_authority": "E10000016", "district": "E07000107", "postcode": "DA1 2HW"
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_postgres_is_restarted_by_the_server_and_no_acknowledged_write_is_lost() {
    // Arrange: an embedded server taking a stream of writes from four clients.
    let data_dir = DataDir::new();
    let server = Server::start_with(&data_dir.0, &[]);
    let admin = access_token(&server, DEMO_ADMIN, DEMO_PASSWORD).await;
    let client = crate::helpers::client_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let (stop, next_urn) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU32::new(500_000)),
    );
    let answers: Arc<Mutex<Vec<(u32, u16)>>> = Arc::default();
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (client, admin, stop, next_urn, answers) = (
                client.clone(),
                admin.clone(),
                stop.clone(),
                next_urn.clone(),
                answers.clone(),
            );
            let schools = url(&server, "/api/v1/schools");
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let urn = next_urn.fetch_add(1, Ordering::Relaxed);
                    let sent = client
                        .post(&schools)
                        .bearer_auth(&admin)
                        .json(&school(urn))
                        .send()
                        .await;
                    let status = sent.map_or(0, |answer| answer.status().as_u16());
                    answers.lock().unwrap().push((urn, status));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Act: PostgreSQL is killed mid-stream.
    let killed = kill_postmaster(&data_dir.0);
    let written_before_kill = answers.lock().unwrap().len();
    wait_for_another_postmaster(&data_dir.0, killed).await;
    poll_until(&server, "/readyz", 200).await;
    let back_at = answers.lock().unwrap().len();
    // Writes flow again: wait (bounded) for a few acknowledged after readiness.
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        let acknowledged_since = answers.lock().unwrap()[back_at..]
            .iter()
            .filter(|(_, status)| *status == 201)
            .count();
        if acknowledged_since >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }

    // Assert
    let answers = answers.lock().unwrap().clone();
    let unexpected: Vec<_> = answers
        .iter()
        .filter(|(_, status)| *status != 201 && *status != 503)
        .collect();
    assert!(
        unexpected.is_empty(),
        "every write was acknowledged (201) or refused for a retry (503): {unexpected:?}"
    );
    assert!(
        answers[..written_before_kill]
            .iter()
            .any(|(_, status)| *status == 201),
        "writes were acknowledged before the kill"
    );
    assert!(
        answers[back_at..]
            .iter()
            .filter(|(_, status)| *status == 201)
            .count()
            >= 8,
        "writes are acknowledged again after the restart"
    );
    for (urn, _) in answers.iter().filter(|(_, status)| *status == 201) {
        let stored = client
            .get(url(&server, &format!("/api/v1/schools/{urn}")))
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status(), 200, "acknowledged school {urn} was lost");
    }
    assert_eq!(
        poll_until(&server, "/healthz", 200).await.status(),
        200,
        "a server that recovered stays live"
    );
    server.terminate();
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_answers_503_when_the_embedded_postgres_died_and_cannot_be_restarted() {
    // Arrange: a serving cluster whose configuration no longer parses (it is read on start).
    let data_dir = DataDir::new();
    let server = Server::start_with(&data_dir.0, &[]);
    let mut config = std::fs::OpenOptions::new()
        .append(true)
        .open(data_dir.0.join("pgdata/postgresql.conf"))
        .unwrap();
    writeln!(config, "this line is not a setting").unwrap();
    assert_eq!(poll_until(&server, "/healthz", 200).await.status(), 200);

    // Act
    kill_postmaster(&data_dir.0);

    // Assert: liveness fails, saying why, so a supervisor restarts the process.
    let failing = poll_until(&server, "/healthz", 503).await;
    assert_eq!(
        failing.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = failing.json().await.unwrap();
    assert_eq!(problem["status"], 503);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("embedded PostgreSQL") && detail.contains("could not be restarted"),
        "{problem}"
    );
    poll_until(&server, "/readyz", 503).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_issued_before_a_restart_still_signs_in_after_it() {
    // Arrange: a token from a first run of the server.
    let data_dir = DataDir::new();
    let first = Server::start_with(&data_dir.0, &[]);
    let token = access_token(&first, DEMO_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(me_status(&first, &token).await, 200);
    first.terminate();

    // Act
    let second = Server::start_with(&data_dir.0, &[]);

    // Assert: the key was kept, in a file only its owner may read.
    assert_eq!(me_status(&second, &token).await, 200);
    let key_file = data_dir.0.join("jwt-secret");
    let metadata = std::fs::metadata(&key_file).expect("the key is kept in the data folder");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(
        key.trim().len() >= 43,
        "at least 32 random bytes: {}",
        key.len()
    );
    second.terminate();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jwt_secret_in_the_environment_wins_over_the_stored_key() {
    // Arrange: a token signed with the stored key.
    let data_dir = DataDir::new();
    let first = Server::start_with(&data_dir.0, &[]);
    let stored_key_token = access_token(&first, DEMO_ADMIN, DEMO_PASSWORD).await;
    first.terminate();
    let key_file = data_dir.0.join("jwt-secret");
    let stored_key = std::fs::read_to_string(&key_file).unwrap();

    // Act
    let second = Server::start_with(&data_dir.0, &[("MATHSHUB_JWT_SECRET", TEST_JWT_SECRET)]);

    // Assert: tokens are signed and checked with the environment's key only.
    assert_eq!(me_status(&second, &stored_key_token).await, 401);
    let env_key_token = access_token(&second, DEMO_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(me_status(&second, &env_key_token).await, 200);
    let env_keys =
        mathshub::auth::tokens::TokenKeys::new(&mathshub::config::Secret::new(TEST_JWT_SECRET))
            .unwrap();
    assert!(
        env_keys.verify(&env_key_token).is_ok(),
        "signed with the environment's key"
    );
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), stored_key);
    second.terminate();

    let fresh = DataDir::new();
    let with_secret = Server::start_with(&fresh.0, &[("MATHSHUB_JWT_SECRET", TEST_JWT_SECRET)]);
    assert!(
        !fresh.0.join("jwt-secret").exists(),
        "no key is made when the environment gives one"
    );
    with_secret.terminate();
}
