//! Accounts people run themselves: a forgotten password reset through a single-use link that
//! a real SMTP server (aiosmtpd) receives, an admin's invitation set the same way, and a
//! change of one's own password that keeps the session it was made in.

use std::time::Duration;

use chrono::Utc;
use mathshub::auth::account_tokens::AccountTokens;
use mathshub::auth::rate_limit::RateLimits;
use mathshub::config::Secret;
use mathshub::seed::demo_accounts::DEMO_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TEST_JWT_SECRET, TestApp, assert_problem, invalid_fields, json_body};
use crate::mail_catcher::{FRONT_END, MailCatcher, notifier};

const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";
const RESET: &str = "/api/v1/auth/password-reset";
const SET_PASSWORD: &str = "/api/v1/auth/set-password";
const NEW_PASSWORD: &str = "a brand new passphrase";

async fn ask_for_reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.send(Method::POST, RESET, None, Some(&json!({"email": email})))
        .await
}

async fn set_password(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    let body = json!({"token": token, "password": password});
    app.send(Method::POST, SET_PASSWORD, None, Some(&body))
        .await
}

async fn links_of(app: &TestApp, email: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM account_tokens t JOIN users u ON u.id = t.user_id \
          WHERE lower(u.email) = lower($1)",
        &[email],
    )
    .await
}

/// Waits for the `kind` messages to `email` to number `count` (a reset's link is issued
/// after the answer), and answers the newest one's link id.
async fn wait_for_link(app: &TestApp, email: &str, kind: &str, count: i64) -> uuid::Uuid {
    let messages = "SELECT count(*) AS count FROM outbox_messages m JOIN users u ON u.id = m.recipient_id \
                     WHERE lower(u.email) = lower($1) AND m.kind = $2";
    for _ in 0..100 {
        if app.query_count(messages, &[email, kind]).await >= count {
            let id = app
                .query_text(
                    "SELECT m.facts->'link'->>'id' AS value FROM outbox_messages m \
                       JOIN users u ON u.id = m.recipient_id \
                      WHERE lower(u.email) = lower($1) AND m.kind = $2 \
                      ORDER BY m.created_at DESC LIMIT 1",
                    &[email, kind],
                )
                .await;
            return id.parse().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} message to {email}");
}

/// The token of link `id`, as the letter carrying it shows it.
fn token_of(id: uuid::Uuid) -> String {
    AccountTokens::new(&Secret::new(TEST_JWT_SECRET)).token(id)
}

/// The token in the link of a letter's text.
fn token_in(text: &str) -> String {
    let link = format!("{FRONT_END}/set-password#token=");
    let start = text.find(&link).expect("a link that sets the password") + link.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn refresh(app: &TestApp, session: &Value) -> u16 {
    let body = json!({"refresh_token": session["refresh_token"]});
    app.send(Method::POST, "/api/v1/auth/refresh", None, Some(&body))
        .await
        .status()
        .as_u16()
}

async fn me_status(app: &TestApp, session: &Value) -> u16 {
    app.send(
        Method::GET,
        "/api/v1/me",
        session["access_token"].as_str(),
        None,
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_is_answered_alike_for_any_email_and_its_link_sets_the_password_once() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let session = app.sign_in(TEACHER).await;

    let unknown = ask_for_reset(&app, "nobody@school.example").await;
    let known = ask_for_reset(&app, &TEACHER.to_uppercase()).await;

    // The same answer, to the byte, whether or not the account exists.
    for answer in [&unknown, &known] {
        assert_eq!(answer.status(), 202);
        assert_eq!(answer.headers().get("content-length").unwrap(), "0");
    }
    let (unknown, known) = (unknown.bytes().await.unwrap(), known.bytes().await.unwrap());
    assert_eq!(unknown, known);
    let link = wait_for_link(&app, TEACHER, "password_reset", 1).await;
    assert_eq!(links_of(&app, "nobody@school.example").await, 0);
    let lifetime = app
        .query_count(
            "SELECT extract(epoch FROM expires_at - created_at)::bigint AS count \
               FROM account_tokens WHERE id = $1::uuid",
            &[&link.to_string()],
        )
        .await;
    assert!((3595..=3600).contains(&lifetime), "{lifetime}");

    let delivered = notifier(&app, &mail.url())
        .deliver_due_at(Utc::now())
        .await
        .unwrap();
    assert_eq!(delivered.delivered, 1);
    let received = mail.to(TEACHER);
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(
        received[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Set a new password")
    );
    let token = token_in(received[0]["text"].as_str().unwrap());
    assert_eq!(token, token_of(link));
    // Only the token's hash is stored, and the message holds the link's id, not the token.
    let hashed = "SELECT count(*) AS count FROM account_tokens \
                   WHERE token_hash = sha256(convert_to($1, 'UTF8'))";
    assert_eq!(app.query_count(hashed, &[&token]).await, 1);
    let told = "SELECT count(*) AS count FROM outbox_messages WHERE strpos(facts::text, $1) > 0";
    assert_eq!(app.query_count(told, &[&token]).await, 0);

    assert_eq!(set_password(&app, &token, NEW_PASSWORD).await.status(), 204);

    // Every session of the account is over; the new password signs in, the old one not.
    assert_eq!(refresh(&app, &session).await, 401);
    assert_eq!(me_status(&app, &session).await, 401);
    assert_problem(app.login(TEACHER, DEMO_PASSWORD).await, 401).await;
    json_body(app.login(TEACHER, NEW_PASSWORD).await, 200).await;
    // Used once, the link is spent.
    let problem = assert_problem(
        set_password(&app, &token, "yet another passphrase").await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["token"], "{problem}");
    json_body(app.login(TEACHER, NEW_PASSWORD).await, 200).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_is_void_once_expired_or_replaced_and_changes_nothing() {
    let app = TestApp::spawn_with_demo().await;
    ask_for_reset(&app, TEACHER).await;
    let first = wait_for_link(&app, TEACHER, "password_reset", 1).await;
    ask_for_reset(&app, TEACHER).await;
    let second = wait_for_link(&app, TEACHER, "password_reset", 2).await;
    assert_ne!(first, second);

    // Asking again voided the first link.
    let problem = assert_problem(
        set_password(&app, &token_of(first), NEW_PASSWORD).await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["token"]);
    // The second one, past its hour, is void too.
    app.execute(&format!(
        "UPDATE account_tokens SET created_at = now() - interval '61 minutes', \
                                   expires_at = now() - interval '1 minute' WHERE id = '{second}'"
    ))
    .await;
    let problem = assert_problem(
        set_password(&app, &token_of(second), NEW_PASSWORD).await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["token"]);
    // A token never issued is refused alike; a malformed body breaks the schema (400).
    let problem = assert_problem(set_password(&app, "made-up", NEW_PASSWORD).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["token"]);
    let problem = assert_problem(set_password(&app, &"x".repeat(2000), "short").await, 400).await;
    assert_eq!(invalid_fields(&problem), ["token", "password"]);

    json_body(app.login(TEACHER, DEMO_PASSWORD).await, 200).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_account_gets_no_link_and_its_link_stops_working() {
    let app = TestApp::spawn_with_demo().await;
    ask_for_reset(&app, TEACHER).await;
    let link = wait_for_link(&app, TEACHER, "password_reset", 1).await;
    app.execute(&format!(
        "UPDATE users SET disabled_at = now() WHERE lower(email) = lower('{TEACHER}')"
    ))
    .await;

    let problem =
        assert_problem(set_password(&app, &token_of(link), NEW_PASSWORD).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["token"]);
    assert_eq!(ask_for_reset(&app, TEACHER).await.status(), 202);
    // Another account's link, asked for after, arrives; the disabled one got none.
    ask_for_reset(&app, ADMIN).await;
    wait_for_link(&app, ADMIN, "password_reset", 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(links_of(&app, TEACHER).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn resets_are_limited_like_sign_in_per_email_and_a_bad_email_is_refused() {
    let app = TestApp::spawn_with_demo_and_limits(RateLimits {
        per_address: 100,
        per_account: 2,
        expressions_of_interest: 100,
        window: Duration::from_secs(60),
    })
    .await;
    for _ in 0..2 {
        assert_eq!(ask_for_reset(&app, TEACHER).await.status(), 202);
    }
    let refused = ask_for_reset(&app, TEACHER).await;
    assert!(refused.headers().contains_key("retry-after"));
    assert_problem(refused, 429).await;
    assert_eq!(ask_for_reset(&app, ADMIN).await.status(), 202);

    let problem = assert_problem(ask_for_reset(&app, "not an email").await, 400).await;
    assert_eq!(invalid_fields(&problem), ["email"]);
    let body = json!({"email": TEACHER, "role": "admin"});
    assert_problem(app.send(Method::POST, RESET, None, Some(&body)).await, 400).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invited_person_chooses_their_password_through_the_emailed_link() {
    let app = TestApp::spawn_with_demo().await;
    let mail = MailCatcher::start();
    let admin = app.token(ADMIN).await;
    let email = "invited.lead@school.example";
    let request = json!({"email": email, "name": "Invited Lead", "role": "lead", "hub": "glow"});

    let created = json_body(
        app.send(Method::POST, "/api/v1/users", Some(&admin), Some(&request))
            .await,
        201,
    )
    .await;

    let expires: chrono::DateTime<Utc> = created["invitation_expires_at"]
        .as_str()
        .expect("the invitation's expiry")
        .parse()
        .unwrap();
    let hours = (expires - Utc::now()).num_hours();
    assert!((167..=168).contains(&hours), "{created}");
    // No password yet: nothing signs in.
    assert_problem(app.login(email, DEMO_PASSWORD).await, 401).await;
    notifier(&app, &mail.url())
        .deliver_due_at(Utc::now())
        .await
        .unwrap();
    let received = mail.to(email);
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(
        received[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Your account is ready")
    );
    let token = token_in(received[0]["text"].as_str().unwrap());

    assert_eq!(set_password(&app, &token, NEW_PASSWORD).await.status(), 204);

    let pair = json_body(app.login(email, NEW_PASSWORD).await, 200).await;
    assert_eq!(me_status(&app, &pair).await, 200);
    assert_eq!(set_password(&app, &token, NEW_PASSWORD).await.status(), 422);
}
