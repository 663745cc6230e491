//! `mathshub` over its embedded PostgreSQL as several processes meet it: a command beside a
//! server on the same data folder, and the token key kept across restarts.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::cli::{DataDir, Server};
use crate::helpers::TEST_JWT_SECRET;

const BINARY: &str = env!("CARGO_BIN_EXE_mathshub");
const DEMO_ADMIN: &str = "admin@demo.mathshub.invalid";
const DEMO_PASSWORD: &str = "maths-hubs-demo";

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

fn url(server: &Server, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", server.port)
}

async fn login(server: &Server, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
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
    reqwest::Client::new()
        .get(url(server, "/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
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
