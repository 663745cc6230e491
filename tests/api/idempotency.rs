//! `Idempotency-Key` over HTTP, on a real create (a draft work group): retries replay the first
//! answer, a key means one request per caller, a request in flight holds its key, and a
//! request that created nothing frees it.

use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, assert_problem_saying, json_body, new_work_group};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";

/// Creates a work group with `key`; the body is sent as `body.to_string()` spells it.
async fn create(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/work-groups", app.address))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request")
}

async fn groups_with_code(app: &TestApp, code: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM work_groups WHERE code = $1",
        &[code],
    )
    .await
}

async fn keys_stored(app: &TestApp) -> i64 {
    app.query_count("SELECT count(*) AS count FROM idempotency_keys", &[])
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_with_the_same_key_replays_the_first_answer_and_creates_nothing_more() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let body = new_work_group("LCW21-15-40");

    let first = create(&app, &manager, "retry-1", &body).await;
    let location = first.headers()[LOCATION].clone();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let created = json_body(first, 201).await;
    let again = create(&app, &manager, "retry-1", &body).await;

    assert_eq!(again.headers()[LOCATION], location);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["content-type"], "application/json");
    assert_eq!(json_body(again, 201).await, created);
    assert_eq!(groups_with_code(&app, "LCW21-15-40").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_key_with_another_body_or_path_is_refused_with_422() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    json_body(
        create(&app, &manager, "once", &new_work_group("LCW21-15-41")).await,
        201,
    )
    .await;

    let other_body = create(&app, &manager, "once", &new_work_group("LCW21-15-42")).await;
    let problem = assert_problem(other_body, 422).await;
    assert_eq!(
        problem["type"],
        "https://mathshub.invalid/problems/idempotency-key-reused"
    );
    let other_path = app
        .client
        .post(format!("{}/api/v1/users", app.address))
        .bearer_auth(&manager)
        .header("Idempotency-Key", "once")
        .json(&new_work_group("LCW21-15-41"))
        .send()
        .await
        .unwrap();
    assert_problem(other_path, 422).await;
    assert_eq!(groups_with_code(&app, "LCW21-15-42").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_belong_to_their_caller() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let admin = app.token(ADMIN).await;

    let by_manager = create(&app, &manager, "shared-key", &new_work_group("LCW21-15-43")).await;
    json_body(by_manager, 201).await;
    let by_admin = create(&app, &admin, "shared-key", &new_work_group("LCW21-15-44")).await;

    json_body(by_admin, 201).await;
    assert_eq!(groups_with_code(&app, "LCW21-15-44").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_created_nothing_frees_its_key_for_a_corrected_retry() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let mut invalid = new_work_group("LCW21-15-45");
    invalid["capacity"] = json!(-1);

    assert_problem(create(&app, &manager, "fix-me", &invalid).await, 400).await;
    assert_eq!(keys_stored(&app).await, 0);
    let corrected = create(&app, &manager, "fix-me", &new_work_group("LCW21-15-45")).await;

    json_body(corrected, 201).await;
    assert_eq!(keys_stored(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_in_flight_answers_409_until_its_request_is_known_to_have_died() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let body = new_work_group("LCW21-15-46");
    // The record a request still running (or one whose process died) leaves behind.
    app.execute(&format!(
        "INSERT INTO idempotency_keys (caller, key, request_method, request_path, request_hash, expires_at) \
         SELECT 'user:' || id, 'in-flight', 'POST', '/api/v1/work-groups', \
                sha256(convert_to('{body}', 'UTF8')), now() + interval '1 day' \
           FROM users WHERE email = '{MANAGER}'"
    ))
    .await;

    let running = create(&app, &manager, "in-flight", &body).await;
    assert_eq!(running.headers()["retry-after"], "1");
    assert_problem_saying(running, 409, "still being processed").await;
    assert_eq!(groups_with_code(&app, "LCW21-15-46").await, 0);

    app.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '10 minutes' WHERE key = 'in-flight'",
    )
    .await;
    json_body(create(&app, &manager, "in-flight", &body).await, 201).await;
    assert_eq!(groups_with_code(&app, "LCW21-15-46").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_retries_of_one_request_create_one_record() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let body = new_work_group("LCW21-15-47");

    let answers =
        futures_util::future::join_all((0..12).map(|_| create(&app, &manager, "burst", &body)))
            .await;

    let mut created = Vec::new();
    for answer in answers {
        match answer.status().as_u16() {
            201 => created.push(answer.json::<Value>().await.unwrap()),
            409 => {
                assert_problem_saying(answer, 409, "still being processed").await;
            }
            other => panic!("unexpected {other}: {}", answer.text().await.unwrap()),
        };
    }
    assert!(!created.is_empty());
    assert!(created.iter().all(|group| *group == created[0]));
    assert_eq!(groups_with_code(&app, "LCW21-15-47").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_keys_are_refused_and_change_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let body = new_work_group("LCW21-15-48");

    for key in ["", "with space", &"k".repeat(256)] {
        let problem = assert_problem(create(&app, &manager, key, &body).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    }
    assert_eq!(groups_with_code(&app, "LCW21-15-48").await, 0);
    assert_eq!(keys_stored(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_valid_token_the_key_is_not_recorded() {
    let app = TestApp::spawn_with_demo().await;

    let anonymous = create(
        &app,
        "not-a-token",
        "anonymous",
        &new_work_group("LCW21-15-49"),
    )
    .await;

    assert_problem(anonymous, 401).await;
    assert_eq!(keys_stored(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_keyed_request_of_a_disabled_account_is_refused_with_401_and_frees_its_key() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    app.execute(&format!(
        "UPDATE users SET disabled_at = now() WHERE email = '{MANAGER}'"
    ))
    .await;

    let refused = create(&app, &manager, "disabled", &new_work_group("LCW21-15-50")).await;

    assert_problem_saying(refused, 401, "no longer valid").await;
    assert_eq!(groups_with_code(&app, "LCW21-15-50").await, 0);
    assert_eq!(keys_stored(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_keyed_csv_upload_may_be_larger_than_a_json_body_and_is_replayed() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let mut csv = String::from(
        "URN,EstablishmentName,LA (code),LA (name),PhaseOfEducation (name),DistrictAdministrative (code),Postcode,EstablishmentStatus (name)\n",
    );
    for urn in 500_000..504_000 {
        csv.push_str(&format!(
            "{urn},A school with a long enough name to fill the file,999,Nowhere,Primary,,AB1 2CD,Open\n"
        ));
    }
    assert!(csv.len() > 256 * 1024);
    let upload = || {
        app.client
            .post(format!("{}/api/v1/schools/import", app.address))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "gias-upload")
            .header("Content-Type", "text/csv")
            .body(csv.clone())
            .send()
    };

    let first = json_body(upload().await.unwrap(), 200).await;
    let again = upload().await.unwrap();

    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(json_body(again, 200).await, first);
    assert_eq!(first["rejected"], 4000);
}

/// Claiming a key and counting an attempt commit without waiting for the WAL flush; the
/// setting must end with their own statement, or the request's transaction after them on
/// the same connection would be acknowledged before it is durable.
#[tokio::test(flavor = "multi_thread")]
async fn bookkeeping_that_skips_the_flush_wait_leaves_the_connection_durable() {
    use diesel::QueryableByName;
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    use mathshub::db::{idempotency_keys, rate_limits};

    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        synchronous_commit: String,
    }
    async fn setting(conn: &mut diesel_async::AsyncPgConnection) -> String {
        diesel::sql_query("SHOW synchronous_commit")
            .get_result::<Setting>(conn)
            .await
            .unwrap()
            .synchronous_commit
    }

    let app = TestApp::spawn().await;
    let mut conn = app.database.connection().await;
    // The test cluster skips the flush everywhere for speed; this connection does not.
    diesel::sql_query("SET synchronous_commit = on")
        .execute(&mut conn)
        .await
        .unwrap();

    let request = idempotency_keys::Request {
        caller: "user:bookkeeping",
        key: "key-1",
        method: "POST",
        path: "/api/v1/work-groups",
        fingerprint: &[0; 32],
    };
    let claim = idempotency_keys::claim(&conn, &request).await.unwrap();
    assert!(matches!(claim, idempotency_keys::Claim::Claimed(_)));
    assert_eq!(setting(&mut conn).await, "on");

    rate_limits::hit(
        &mut conn,
        &["bookkeeping:account:x".to_owned()],
        std::time::Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert_eq!(setting(&mut conn).await, "on");
}
