//! Attacks on access tokens: forged, tampered, mistyped, expired and revoked tokens are all
//! answered 401 with a `WWW-Authenticate` challenge, while the same claims, correctly signed,
//! are let in (so each attack fails for its own reason, not because the forging is wrong).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use serde_json::{Value, json};

use crate::helpers::{TEST_JWT_SECRET, TestApp, assert_problem};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const CHALLENGE: &str = "Bearer realm=\"mathshub\"";

fn now() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    i64::try_from(seconds).expect("seconds fit in i64")
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `header.payload`: what a JWS signature covers.
fn signing_input(header: &Value, claims: &Value) -> String {
    format!("{}.{}", b64(header.to_string()), b64(claims.to_string()))
}

/// The base64url HMAC of `input` under `key` with an HS* algorithm.
fn hmac(input: &str, key: &[u8], algorithm: Algorithm) -> String {
    jsonwebtoken::crypto::sign(input.as_bytes(), &EncodingKey::from_secret(key), algorithm)
        .expect("HMAC signing cannot fail")
}

/// A token of these header and claims signed with `algorithm` under `key`, whatever the
/// header says.
fn signed(header: &Value, claims: &Value, key: &[u8], algorithm: Algorithm) -> String {
    let input = signing_input(header, claims);
    let signature = hmac(&input, key, algorithm);
    format!("{input}.{signature}")
}

/// A token signed with the app's own key, as the app signs its tokens.
fn forge(header: &Value, claims: &Value) -> String {
    signed(header, claims, TEST_JWT_SECRET.as_bytes(), Algorithm::HS256)
}

fn access_header() -> Value {
    json!({"typ": "at+jwt", "alg": "HS256"})
}

/// The claims of a token as issued (the payload, decoded without checking anything).
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = URL_SAFE_NO_PAD.decode(payload).expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// `claims` with `changes` merged in; a `null` change removes the claim.
fn with(claims: &Value, changes: Value) -> Value {
    let mut claims = claims.clone();
    let object = claims.as_object_mut().expect("claims are an object");
    for (name, value) in changes.as_object().expect("changes are an object") {
        if value.is_null() {
            object.remove(name);
        } else {
            object.insert(name.clone(), value.clone());
        }
    }
    claims
}

/// `GET /me` with this `Authorization` header, or none.
async fn me(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}/api/v1/me", app.address));
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    request.send().await.expect("request")
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    me(app, Some(&format!("Bearer {token}")))
        .await
        .status()
        .as_u16()
}

/// Why the answer is not a proper 401 problem with the bearer challenge; `None` when it is.
async fn not_a_refusal(response: reqwest::Response) -> Option<String> {
    let status = response.status().as_u16();
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, challenge) = (header(CONTENT_TYPE), header(WWW_AUTHENTICATE));
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let refused = status == 401
        && content_type.as_deref() == Some("application/problem+json")
        && challenge.as_deref() == Some(CHALLENGE)
        && body["status"] == 401;
    (!refused).then(|| {
        format!("answered {status}, content type {content_type:?}, challenge {challenge:?}: {body}")
    })
}

/// Asserts `GET /me` refuses the token with a proper 401.
async fn assert_refused(app: &TestApp, case: &str, token: &str) {
    let response = me(app, Some(&format!("Bearer {token}"))).await;
    if let Some(why) = not_a_refusal(response).await {
        panic!("{case}: {why}");
    }
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let me: Value = me(app, Some(&format!("Bearer {token}")))
        .await
        .json()
        .await
        .expect("a JSON body");
    me["id"].as_str().expect("an id").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn me_returns_401_with_a_bearer_challenge_for_every_forged_or_malformed_token() {
    let app = TestApp::spawn_with_demo().await;
    let pair = app.sign_in(TEACHER).await;
    let issued = pair["access_token"].as_str().expect("access_token");
    let claims = claims_of(issued);
    let header = access_header();
    let (now, hour) = (now(), 3600);
    let typed = |alg: &str| json!({"typ": "at+jwt", "alg": alg});
    let unsigned = |alg: &str| format!("{}.", signing_input(&typed(alg), &claims));
    let issued_signature = issued.rsplit('.').next().expect("a signature");
    let [issued_header, issued_payload] = [0, 1].map(|part| issued.split('.').nth(part).unwrap());

    // The controls: the claims as issued, signed by hand, pass; so does the scheme in any case.
    assert_eq!(me_status(&app, issued).await, 200, "the issued token");
    assert_eq!(
        me_status(&app, &forge(&header, &claims)).await,
        200,
        "the issued claims signed by hand"
    );
    let lower_case = me(&app, Some(&format!("bearer {issued}"))).await;
    assert_eq!(lower_case.status(), 200, "the scheme in lower case");

    let cases: Vec<(&str, String)> = vec![
        // The algorithm is the server's choice, never the token's.
        ("alg none, unsigned", unsigned("none")),
        ("alg NONE, unsigned", unsigned("NONE")),
        (
            "alg none, with the HS256 signature",
            format!(
                "{}{}",
                unsigned("none"),
                hmac(
                    &signing_input(&typed("none"), &claims),
                    TEST_JWT_SECRET.as_bytes(),
                    Algorithm::HS256
                )
            ),
        ),
        (
            "HS384, correctly signed",
            signed(
                &typed("HS384"),
                &claims,
                TEST_JWT_SECRET.as_bytes(),
                Algorithm::HS384,
            ),
        ),
        (
            "HS512, correctly signed",
            signed(
                &typed("HS512"),
                &claims,
                TEST_JWT_SECRET.as_bytes(),
                Algorithm::HS512,
            ),
        ),
        (
            "RS256 with made-up signature bytes",
            format!("{}{}", unsigned("RS256"), b64([0x5a_u8; 256])),
        ),
        (
            "RS256 signed with HMAC of the key (key confusion)",
            signed(
                &typed("RS256"),
                &claims,
                TEST_JWT_SECRET.as_bytes(),
                Algorithm::HS256,
            ),
        ),
        (
            "signed with another 32+ byte key",
            signed(
                &header,
                &claims,
                b"another-secret-that-is-long-enough-0123456789",
                Algorithm::HS256,
            ),
        ),
        (
            "role raised to admin, original signature kept",
            format!(
                "{issued_header}.{}.{issued_signature}",
                b64(with(&claims, json!({"role": "admin"})).to_string())
            ),
        ),
        (
            "expired an hour ago, correctly signed",
            forge(
                &header,
                &with(
                    &claims,
                    json!({"iat": now - 2 * hour, "nbf": now - 2 * hour, "exp": now - hour}),
                ),
            ),
        ),
        (
            "not valid before an hour from now",
            forge(&header, &with(&claims, json!({"nbf": now + hour}))),
        ),
        (
            "another issuer",
            forge(
                &header,
                &with(&claims, json!({"iss": "https://evil.example"})),
            ),
        ),
        (
            "another audience",
            forge(&header, &with(&claims, json!({"aud": "another-api"}))),
        ),
        (
            "no issuer",
            forge(&header, &with(&claims, json!({"iss": null}))),
        ),
        (
            "no audience",
            forge(&header, &with(&claims, json!({"aud": null}))),
        ),
        (
            "no exp",
            forge(&header, &with(&claims, json!({"exp": null}))),
        ),
        (
            "no sub",
            forge(&header, &with(&claims, json!({"sub": null}))),
        ),
        (
            "exp as a string",
            forge(
                &header,
                &with(&claims, json!({"exp": (now + hour).to_string()})),
            ),
        ),
        (
            "no typ (not an access token)",
            forge(&json!({"alg": "HS256"}), &claims),
        ),
        (
            "typ JWT (not an access token)",
            forge(&json!({"typ": "JWT", "alg": "HS256"}), &claims),
        ),
        (
            "a refresh token",
            pair["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
        ),
        (
            "role claim admin, correctly signed, for a participant",
            forge(&header, &with(&claims, json!({"role": "admin"}))),
        ),
        (
            "an older token version, correctly signed",
            forge(
                &header,
                &with(&claims, json!({"ver": claims["ver"].as_i64().unwrap() - 1})),
            ),
        ),
        (
            "sub not a UUID",
            forge(&header, &with(&claims, json!({"sub": "admin"}))),
        ),
        (
            "sub an unknown user",
            forge(
                &header,
                &with(
                    &claims,
                    json!({"sub": "01930000-0000-7000-8000-000000000000"}),
                ),
            ),
        ),
        (
            "partner token naming an unknown client",
            forge(
                &header,
                &with(
                    &claims,
                    json!({
                        "sub": "mhp_nobody", "client_id": "mhp_nobody", "role": "partner",
                        "tsh": "london-district-east", "ver": 0,
                    }),
                ),
            ),
        ),
        (
            "malformed base64 in the header",
            format!(
                "{}!*.{issued_payload}.{issued_signature}",
                &issued_header[1..]
            ),
        ),
        (
            "malformed base64 in the payload",
            format!(
                "{issued_header}.{}!*.{issued_signature}",
                &issued_payload[1..]
            ),
        ),
        (
            "malformed base64 in the signature",
            format!(
                "{issued_header}.{issued_payload}.{}!*",
                &issued_signature[1..]
            ),
        ),
        ("a payload that is not JSON", {
            let input = format!("{}.{}", b64(header.to_string()), b64("not JSON {"));
            let signature = hmac(&input, TEST_JWT_SECRET.as_bytes(), Algorithm::HS256);
            format!("{input}.{signature}")
        }),
        (
            "only two parts",
            format!("{issued_header}.{issued_payload}"),
        ),
        ("a fourth part", format!("{issued}.{issued_signature}")),
    ];
    let mut failures = Vec::new();
    for (case, token) in &cases {
        let response = me(&app, Some(&format!("Bearer {token}"))).await;
        if let Some(why) = not_a_refusal(response).await {
            failures.push(format!("{case}: {why}"));
        }
    }
    // Wrong or missing credentials, not even a token.
    let headers = [
        ("an empty bearer", Some("Bearer ")),
        ("the scheme alone", Some("Bearer")),
        (
            "basic credentials",
            Some("Basic YWRtaW46bWF0aHMtaHVicy1kZW1v"),
        ),
        ("the token without a scheme", Some(issued)),
        ("no Authorization header", None),
    ];
    for (case, authorization) in headers {
        if let Some(why) = not_a_refusal(me(&app, authorization).await).await {
            failures.push(format!("{case}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} attacks were not refused with 401:\n{}",
        failures.len(),
        cases.len() + headers.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn me_accepts_a_token_expired_within_the_30_second_leeway_and_refuses_one_expired_longer() {
    let app = TestApp::spawn_with_demo().await;
    let claims = claims_of(&app.token(TEACHER).await);
    let now = now();
    let expired = |seconds_ago: i64| {
        forge(
            &access_header(),
            &with(
                &claims,
                json!({"iat": now - 900, "nbf": now - 900, "exp": now - seconds_ago}),
            ),
        )
    };

    assert_eq!(me_status(&app, &expired(10)).await, 200, "expired 10 s ago");
    let not_yet_valid = forge(&access_header(), &with(&claims, json!({"nbf": now + 10})));
    assert_eq!(
        me_status(&app, &not_yet_valid).await,
        200,
        "valid from 10 s ahead"
    );

    let refused = assert_problem(
        me(&app, Some(&format!("Bearer {}", expired(60)))).await,
        401,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("expired")),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn me_returns_401_when_the_user_was_disabled_after_the_token_was_issued() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let token = app.token(TEACHER).await;
    let id = user_id(&app, &token).await;
    assert_eq!(me_status(&app, &token).await, 200, "before disabling");

    let disable = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(disable.status(), 200);

    assert_refused(&app, "a disabled user's token", &token).await;
    let login = app
        .login(TEACHER, mathshub::seed::demo_accounts::DEMO_PASSWORD)
        .await;
    assert_problem(login, 401).await;

    // Enabling the account again does not bring the old token back.
    let enable = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(&json!({"disabled": false})),
        )
        .await;
    assert_eq!(enable.status(), 200);
    assert_refused(&app, "a token from before disabling", &token).await;
    assert_eq!(me_status(&app, &app.token(TEACHER).await).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn me_returns_401_when_the_user_was_disabled_by_sql_after_the_token_was_issued() {
    let app = TestApp::spawn_with_demo().await;
    let token = app.token(TEACHER).await;
    assert_eq!(me_status(&app, &token).await, 200, "before disabling");

    app.execute(&format!(
        "UPDATE users SET disabled_at = now() WHERE email = '{TEACHER}'"
    ))
    .await;

    assert_refused(&app, "a token of a user disabled by SQL", &token).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn me_returns_401_when_the_users_role_changed_after_the_token_was_issued() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let token = app.token(LEAD).await;
    let id = user_id(&app, &token).await;
    assert_eq!(me_status(&app, &token).await, 200, "before the change");

    let promote = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(&json!({"role": "hub_manager"})),
        )
        .await;
    assert_eq!(promote.status(), 200);

    assert_refused(&app, "a token from before the role change", &token).await;
    // Signing in again gives a token with the new role.
    let fresh = app.token(LEAD).await;
    assert_eq!(claims_of(&fresh)["role"], "hub_manager");
    assert_eq!(me_status(&app, &fresh).await, 200);
}
