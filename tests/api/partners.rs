//! Partner credentials from first to last: an admin makes them (the secret shown once), the
//! partner's integration exchanges them for tokens at `POST /auth/token`, and rotating or
//! revoking them cuts off the tokens already out at once. Nobody but an admin manages them.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mathshub::auth::rate_limit::RateLimits;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields, without_request_id};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const PARTNER_USER: &str = "partner.lde@demo.mathshub.invalid";
const LDE: &str = "london-district-east";

/// `POST /auth/token` with these form fields.
async fn token_request(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/auth/token", app.address))
        .form(fields)
        .send()
        .await
        .expect("request")
}

/// The client credentials grant.
async fn client_credentials(app: &TestApp, client_id: &str, secret: &str) -> reqwest::Response {
    token_request(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ],
    )
    .await
}

/// A token for these credentials, which must be accepted.
async fn client_token(app: &TestApp, client_id: &str, secret: &str) -> String {
    let response = client_credentials(app, client_id, secret).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, 200, "token for {client_id}: {body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// New credentials for a Teaching School Hub, made by an admin (201 asserted).
async fn create_client(app: &TestApp, admin: &str, tsh: &str) -> Value {
    let body = json!({"teaching_school_hub": tsh, "name": "Signposting site"});
    let response = app
        .send(Method::POST, "/api/v1/partners", Some(admin), Some(&body))
        .await;
    let status = response.status().as_u16();
    let created: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, 201, "create a partner client: {created}");
    created
}

fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} in {value}"))
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.send(Method::GET, "/api/v1/me", Some(token), None)
        .await
        .status()
        .as_u16()
}

async fn partner_client_count(app: &TestApp) -> i64 {
    app.query_count("SELECT count(*) AS count FROM partner_clients", &[])
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_201_with_a_location_and_shows_the_secret_only_once() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let body = json!({"teaching_school_hub": LDE, "name": "LDE signposting site"});
    let response = app
        .send(Method::POST, "/api/v1/partners", Some(&admin), Some(&body))
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()[LOCATION]
        .to_str()
        .expect("an ASCII Location")
        .to_owned();
    let created: Value = response.json().await.expect("a JSON body");
    let id = field(&created, "id");
    assert_eq!(location, format!("/api/v1/partners/{id}"));
    assert!(
        field(&created, "client_id").starts_with("mhp_"),
        "{created}"
    );
    assert!(
        field(&created, "client_secret").starts_with("mhs_"),
        "{created}"
    );
    assert_eq!(created["name"], "LDE signposting site");
    assert_eq!(created["teaching_school_hub"]["slug"], LDE);
    assert_eq!(created["revoked_at"], Value::Null);

    let fetched: Value = app
        .send(Method::GET, &location, Some(&admin), None)
        .await
        .json()
        .await
        .expect("a JSON body");
    assert_eq!(fetched["id"], created["id"]);
    assert_eq!(fetched["client_id"], created["client_id"]);
    assert!(fetched.get("client_secret").is_none(), "{fetched}");

    let list = app
        .send(Method::GET, "/api/v1/partners", Some(&admin), None)
        .await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.expect("a body");
    assert!(list.contains(id), "{list}");
    assert!(!list.contains("client_secret"), "{list}");
    assert!(!list.contains(field(&created, "client_secret")), "{list}");

    let filtered = |tsh: &str| {
        let (app, admin) = (&app, &admin);
        let path = format!("/api/v1/partners?teaching_school_hub={tsh}");
        async move {
            let page: Value = app
                .send(Method::GET, &path, Some(admin), None)
                .await
                .json()
                .await
                .expect("a JSON body");
            page["items"].as_array().expect("items").len()
        }
    };
    assert_eq!(filtered(LDE).await, 1);
    assert_eq!(filtered("east-london").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_gets_a_partner_token_and_me_shows_its_teaching_school_hub() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let created = create_client(&app, &admin, LDE).await;
    let client_id = field(&created, "client_id");

    let response = client_credentials(&app, client_id, field(&created, "client_secret")).await;
    assert_eq!(response.status(), 200);
    let issued: Value = response.json().await.expect("a JSON body");
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["expires_in"], 900);
    assert!(issued.get("refresh_token").is_none(), "{issued}");
    let token = field(&issued, "access_token");
    let payload = token.split('.').nth(1).expect("a JWT");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
            .expect("JSON claims");
    assert_eq!(claims["role"], "partner");
    assert_eq!(claims["sub"], client_id);
    assert_eq!(claims["client_id"], client_id);
    assert_eq!(claims["tsh"], LDE);

    let me: Value = app
        .send(Method::GET, "/api/v1/me", Some(token), None)
        .await
        .json()
        .await
        .expect("a JSON body");
    assert_eq!(me["kind"], "partner_client");
    assert_eq!(me["id"], created["id"]);
    assert_eq!(me["client_id"], client_id);
    assert_eq!(me["teaching_school_hub"]["slug"], LDE);
    assert!(me.get("client_secret").is_none(), "{me}");
}

#[tokio::test(flavor = "multi_thread")]
async fn token_answers_alike_when_the_secret_is_wrong_or_the_client_unknown() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let created = create_client(&app, &admin, LDE).await;

    let wrong_secret = assert_problem(
        client_credentials(&app, field(&created, "client_id"), "mhs_not-the-secret").await,
        401,
    )
    .await;
    let unknown_client = assert_problem(
        client_credentials(&app, "mhp_nobody", "mhs_not-the-secret").await,
        401,
    )
    .await;
    assert_eq!(
        without_request_id(wrong_secret),
        without_request_id(unknown_client)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_returns_400_naming_grant_type_when_the_grant_is_not_client_credentials() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let created = create_client(&app, &admin, LDE).await;

    let response = token_request(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", field(&created, "client_id")),
            ("client_secret", field(&created, "client_secret")),
        ],
    )
    .await;
    let problem = assert_problem(response, 400).await;
    assert_eq!(invalid_fields(&problem), ["grant_type"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_returns_400_when_the_credentials_are_sent_as_json() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let created = create_client(&app, &admin, LDE).await;

    let body = json!({
        "grant_type": "client_credentials",
        "client_id": created["client_id"],
        "client_secret": created["client_secret"],
    });
    let response = app
        .send(Method::POST, "/api/v1/auth/token", None, Some(&body))
        .await;
    let problem = assert_problem(response, 400).await;
    assert_eq!(invalid_fields(&problem), ["body"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rotating_the_secret_refuses_the_old_secret_and_its_tokens_at_once() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let created = create_client(&app, &admin, LDE).await;
    let (id, client_id) = (field(&created, "id"), field(&created, "client_id"));
    let old_secret = field(&created, "client_secret");
    let old_token = client_token(&app, client_id, old_secret).await;
    assert_eq!(me_status(&app, &old_token).await, 200, "before rotation");

    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/partners/{id}/rotate-secret"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let rotated: Value = response.json().await.expect("a JSON body");
    let new_secret = field(&rotated, "client_secret");
    assert_ne!(new_secret, old_secret);
    assert_eq!(rotated["client_id"], client_id);
    assert!(rotated["rotated_at"].is_string(), "{rotated}");

    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(&old_token), None)
            .await,
        401,
    )
    .await;
    assert_problem(client_credentials(&app, client_id, old_secret).await, 401).await;
    let new_token = client_token(&app, client_id, new_secret).await;
    assert_eq!(me_status(&app, &new_token).await, 200, "after rotation");
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_a_client_refuses_its_tokens_at_once_and_for_good() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let created = create_client(&app, &admin, LDE).await;
    let (id, client_id) = (field(&created, "id"), field(&created, "client_id"));
    let secret = field(&created, "client_secret");
    let token = client_token(&app, client_id, secret).await;
    assert_eq!(me_status(&app, &token).await, 200, "before revoking");
    let revoke_path = format!("/api/v1/partners/{id}/revoke");
    let revoke = || app.send(Method::POST, &revoke_path, Some(&admin), None);

    let response = revoke().await;
    assert_eq!(response.status(), 200);
    let revoked: Value = response.json().await.expect("a JSON body");
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    assert!(revoked.get("client_secret").is_none(), "{revoked}");

    assert_problem(
        app.send(Method::GET, "/api/v1/me", Some(&token), None)
            .await,
        401,
    )
    .await;
    assert_problem(client_credentials(&app, client_id, secret).await, 401).await;
    let rotate = app
        .send(
            Method::POST,
            &format!("/api/v1/partners/{id}/rotate-secret"),
            Some(&admin),
            None,
        )
        .await;
    assert_problem(rotate, 409).await;

    // Revoking again changes nothing, not even the time of revocation.
    let again = revoke().await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.expect("a JSON body");
    assert_eq!(again["revoked_at"], revoked["revoked_at"]);
    assert_problem(client_credentials(&app, client_id, secret).await, 401).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn partners_endpoints_are_refused_to_everyone_but_admins_and_change_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let created = create_client(&app, &admin, LDE).await;
    let id = field(&created, "id");
    let secret = field(&created, "client_secret");
    let client = client_token(&app, field(&created, "client_id"), secret).await;
    let before = partner_client_count(&app).await;

    let mut callers = vec![];
    for email in [MANAGER, LEAD, TEACHER, PARTNER_USER] {
        callers.push((email, Some(app.token(email).await)));
    }
    callers.push(("a partner client", Some(client)));
    callers.push(("no token", None));
    let new_client = json!({"teaching_school_hub": LDE, "name": "Sneaky"});
    let endpoints = [
        (
            Method::POST,
            "/api/v1/partners".to_owned(),
            Some(&new_client),
        ),
        (Method::GET, "/api/v1/partners".to_owned(), None),
        (Method::GET, format!("/api/v1/partners/{id}"), None),
        (
            Method::POST,
            format!("/api/v1/partners/{id}/rotate-secret"),
            None,
        ),
        (Method::POST, format!("/api/v1/partners/{id}/revoke"), None),
    ];

    let mut failures = vec![];
    for (who, token) in &callers {
        let expected = if token.is_some() { 403 } else { 401 };
        for (method, path, body) in &endpoints {
            let response = app
                .send(method.clone(), path, token.as_deref(), *body)
                .await;
            let status = response.status().as_u16();
            let content_type = response.headers().get(CONTENT_TYPE).cloned();
            if status != expected
                || content_type.is_none_or(|value| value != "application/problem+json")
            {
                let body = response.text().await.unwrap_or_default();
                failures.push(format!(
                    "{who}: {method} {path} answered {status}, not {expected}: {body}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    assert_eq!(
        partner_client_count(&app).await,
        before,
        "a client was made"
    );
    let unchanged: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/partners/{id}"),
            Some(&admin),
            None,
        )
        .await
        .json()
        .await
        .expect("a JSON body");
    assert_eq!(unchanged["rotated_at"], Value::Null, "{unchanged}");
    assert_eq!(unchanged["revoked_at"], Value::Null, "{unchanged}");
    client_token(&app, field(&created, "client_id"), secret).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_422_naming_teaching_school_hub_when_the_slug_is_unknown() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let body = json!({"teaching_school_hub": "atlantis", "name": "Nowhere"});
    let response = app
        .send(Method::POST, "/api/v1/partners", Some(&admin), Some(&body))
        .await;
    let problem = assert_problem(response, 422).await;
    assert_eq!(invalid_fields(&problem), ["teaching_school_hub"]);
    assert_eq!(partner_client_count(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_when_the_body_has_an_unknown_field() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let body = json!({
        "teaching_school_hub": LDE,
        "name": "Chosen secret",
        "client_secret": "mhs_chosen-by-the-caller",
    });
    let response = app
        .send(Method::POST, "/api/v1/partners", Some(&admin), Some(&body))
        .await;
    assert_problem(response, 400).await;
    assert_eq!(partner_client_count(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn partner_endpoints_return_404_when_the_client_does_not_exist() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let missing = "01930000-0000-7000-8000-000000000000";

    for (method, path) in [
        (Method::GET, format!("/api/v1/partners/{missing}")),
        (
            Method::POST,
            format!("/api/v1/partners/{missing}/rotate-secret"),
        ),
        (Method::POST, format!("/api/v1/partners/{missing}/revoke")),
    ] {
        assert_problem(app.send(method, &path, Some(&admin), None).await, 404).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stored_secret_is_an_argon2id_hash_not_the_secret() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let created = create_client(&app, &admin, LDE).await;
    let secret = field(&created, "client_secret");

    let client_id = field(&created, "client_id");
    let stored = app
        .query_text(
            "SELECT secret_hash AS value FROM partner_clients WHERE client_id = $1",
            &[client_id],
        )
        .await;
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(secret));
    assert!(!stored.contains(&secret["mhs_".len()..]));
}

#[tokio::test(flavor = "multi_thread")]
async fn token_is_refused_with_retry_after_when_the_client_limit_is_reached() {
    let app = TestApp::spawn_with_demo_and_limits(RateLimits {
        per_address: 100,
        per_account: 2,
        expressions_of_interest: 100,
        window: Duration::from_secs(60),
    })
    .await;
    let admin = app.token(ADMIN).await;
    let limited = create_client(&app, &admin, LDE).await;
    let other = create_client(&app, &admin, LDE).await;
    let client_id = field(&limited, "client_id");
    let secret = field(&limited, "client_secret");

    assert_problem(client_credentials(&app, client_id, "mhs_wrong").await, 401).await;
    client_token(&app, client_id, secret).await;
    let refused = client_credentials(&app, client_id, secret).await;
    let retry_after: u64 = refused
        .headers()
        .get(RETRY_AFTER)
        .expect("a Retry-After header")
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_problem(refused, 429).await;

    // Other clients from the same address are still let in.
    client_token(
        &app,
        field(&other, "client_id"),
        field(&other, "client_secret"),
    )
    .await;
}
