//! `mathshub` over its embedded PostgreSQL as several processes meet it: the token key kept
//! across restarts of the server.

use serde_json::{Value, json};

use crate::cli::{DataDir, Server};
use crate::helpers::TEST_JWT_SECRET;

const DEMO_ADMIN: &str = "admin@demo.mathshub.invalid";
const DEMO_PASSWORD: &str = "maths-hubs-demo";

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
