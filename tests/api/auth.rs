//! Signing in, refreshing, signing out, partner client credentials, and the rate limits of
//! the sign-in endpoints.

use std::time::Duration;

use mathshub::auth::rate_limit::RateLimits;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, without_request_id};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";

#[tokio::test(flavor = "multi_thread")]
async fn login_returns_tokens_that_reach_me_when_the_password_is_right() {
    let app = TestApp::spawn_with_demo().await;
    let pair = app.sign_in(TEACHER).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert_eq!(pair["refresh_token_expires_in"], 30 * 24 * 3600);
    let token = pair["access_token"].as_str().unwrap();

    let me: Value = app
        .send(Method::GET, "/api/v1/me", Some(token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["kind"], "user");
    assert_eq!(me["email"], TEACHER);
    assert_eq!(me["role"], "participant");
    assert_eq!(me["school"]["urn"], "137083");
    assert_eq!(me["role_in_school"], "head_of_department");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_answers_alike_when_email_is_unknown_or_password_wrong() {
    let app = TestApp::spawn_with_demo().await;
    let wrong_password = assert_problem(app.login(ADMIN, "not the password").await, 401).await;
    let unknown_email = assert_problem(
        app.login("nobody@school.example", "not the password").await,
        401,
    )
    .await;
    assert_eq!(
        without_request_id(wrong_password),
        without_request_id(unknown_email)
    );
    // Emails match whatever their case.
    let upper = app
        .login(
            &ADMIN.to_uppercase(),
            mathshub::seed::demo_accounts::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(upper.status(), 200);
}

/// Sign-in compares a password with the account's; the rules for choosing one (12 to 128
/// characters) are no rule for it, so a wrong password of any length the document allows is
/// wrong like any other, for a known account and an unknown email alike.
#[tokio::test(flavor = "multi_thread")]
async fn login_returns_the_same_401_for_a_wrong_password_of_any_length() {
    let app = TestApp::spawn_with_demo().await;
    let document = app.get_json("/api-docs/openapi.json", 200).await;
    let password = &document["components"]["schemas"]["LoginRequest"]["properties"]["password"];
    assert_eq!(password["minLength"], Value::Null, "{password}");
    let longest = password["maxLength"].as_u64().expect("a maxLength") as usize;
    assert!(longest > 129, "{password}");
    let expected =
        without_request_id(assert_problem(app.login(ADMIN, "not the password").await, 401).await);

    for length in [1, 11, 12, 128, 129, longest] {
        let wrong = "p".repeat(length);
        for email in [ADMIN, "nobody@school.example"] {
            let answer = assert_problem(app.login(email, &wrong).await, 401).await;
            assert_eq!(
                without_request_id(answer),
                expected,
                "{length} characters for {email}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn login_is_refused_with_retry_after_when_the_account_limit_is_reached_and_allowed_after_the_window()
 {
    let app = TestApp::spawn_with_demo_and_limits(RateLimits {
        per_address: 100,
        per_account: 3,
        expressions_of_interest: 100,
        window: Duration::from_secs(2),
    })
    .await;
    for _ in 0..3 {
        assert_eq!(app.login(ADMIN, "wrong password!").await.status(), 401);
    }
    let refused = app
        .login(ADMIN, mathshub::seed::demo_accounts::DEMO_PASSWORD)
        .await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_problem(refused, 429).await;
    // Other accounts from the same address are still let in.
    app.sign_in(TEACHER).await;

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    app.sign_in(ADMIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_is_refused_when_the_address_limit_is_reached_whatever_the_account() {
    let app = TestApp::spawn_with_demo_and_limits(RateLimits {
        per_address: 2,
        per_account: 100,
        expressions_of_interest: 100,
        window: Duration::from_secs(60),
    })
    .await;
    assert!(!app.token(ADMIN).await.is_empty());
    app.sign_in(TEACHER).await;
    let refused = app
        .login(
            "lead.lcw@demo.mathshub.invalid",
            mathshub::seed::demo_accounts::DEMO_PASSWORD,
        )
        .await;
    assert!(refused.headers().contains_key("retry-after"));
    assert_problem(refused, 429).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_rotates_the_token_and_a_replay_revokes_the_whole_session() {
    let app = TestApp::spawn_with_demo().await;
    let first = app.sign_in(TEACHER).await;
    let refresh = |token: &Value| {
        let body = json!({"refresh_token": token});
        let app = &app;
        async move {
            app.send(Method::POST, "/api/v1/auth/refresh", None, Some(&body))
                .await
        }
    };

    let second = refresh(&first["refresh_token"]).await;
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let me = app
        .send(
            Method::GET,
            "/api/v1/me",
            second["access_token"].as_str(),
            None,
        )
        .await;
    assert_eq!(me.status(), 200);

    // The first token again: it was copied, so the session ends, the newer token included.
    assert_problem(refresh(&first["refresh_token"]).await, 401).await;
    assert_problem(refresh(&second["refresh_token"]).await, 401).await;
    // Another session of the same person is untouched.
    let other = app.sign_in(TEACHER).await;
    assert_eq!(refresh(&other["refresh_token"]).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_revokes_the_session_and_answers_alike_for_unknown_tokens() {
    let app = TestApp::spawn_with_demo().await;
    let pair = app.sign_in(TEACHER).await;
    let body = json!({"refresh_token": pair["refresh_token"]});
    let logout = app
        .send(Method::POST, "/api/v1/auth/logout", None, Some(&body))
        .await;
    assert_eq!(logout.status(), 204);
    let refreshed = app
        .send(Method::POST, "/api/v1/auth/refresh", None, Some(&body))
        .await;
    assert_problem(refreshed, 401).await;
    let unknown = json!({"refresh_token": "never-issued"});
    let logout = app
        .send(Method::POST, "/api/v1/auth/logout", None, Some(&unknown))
        .await;
    assert_eq!(logout.status(), 204);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_access_token_is_not_accepted_as_a_refresh_token_nor_the_reverse() {
    let app = TestApp::spawn_with_demo().await;
    let pair = app.sign_in(TEACHER).await;
    let as_refresh = json!({"refresh_token": pair["access_token"]});
    assert_problem(
        app.send(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&as_refresh),
        )
        .await,
        401,
    )
    .await;
    let as_access = pair["refresh_token"].as_str();
    assert_problem(
        app.send(Method::GET, "/api/v1/me", as_access, None).await,
        401,
    )
    .await;
}

/// Counting an attempt commits without waiting for the WAL flush; the setting must end with
/// its own statement, or the request's transaction after it on the same connection would be
/// acknowledged before it is durable.
#[tokio::test(flavor = "multi_thread")]
async fn counting_an_attempt_leaves_the_connection_durable() {
    use diesel::QueryableByName;
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    use mathshub::db::rate_limits;

    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        synchronous_commit: String,
    }

    let app = TestApp::spawn().await;
    let mut conn = app.database.connection().await;
    // The test cluster skips the flush everywhere for speed; this connection does not.
    diesel::sql_query("SET synchronous_commit = on")
        .execute(&mut conn)
        .await
        .unwrap();

    rate_limits::hit(
        &mut conn,
        &["bookkeeping:account:x".to_owned()],
        Duration::from_secs(60),
    )
    .await
    .unwrap();

    let setting = diesel::sql_query("SHOW synchronous_commit")
        .get_result::<Setting>(&mut conn)
        .await
        .unwrap();
    assert_eq!(setting.synchronous_commit, "on");
}
