//! `Idempotency-Key` over HTTP, on a real create (a draft work group): retries replay the first
//! answer, a key means one request per caller, a request in flight holds its key, a request
//! that created nothing frees it, and a server killed around its commit leaves a change
//! whose answer a retry replays, or no change at all.

use std::time::{Duration, Instant};

use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::enrolment_writes::{interest, open_group};
use crate::helpers::{TestApp, assert_problem, assert_problem_saying, json_body, new_work_group};
use crate::processes::ServeProcess;

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";

/// The advisory lock `AnswerHold` holds (the single-key form, apart from the server's own).
const HOLD_KEY: i64 = 4242;

/// Holds back every answer written for an `Idempotency-Key`, as a slow disk or a lock would:
/// a trigger on the keys table waits, in the writer's transaction, for an advisory lock the
/// test holds until `release` (or until it is dropped).
struct AnswerHold {
    holder: AsyncPgConnection,
}

impl AnswerHold {
    async fn install(app: &TestApp) -> Self {
        app.execute(&format!(
            "CREATE FUNCTION hold_answers() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_advisory_xact_lock_shared({HOLD_KEY}); RETURN NEW; END $$;
             CREATE TRIGGER hold_answers BEFORE INSERT OR UPDATE ON idempotency_keys
                FOR EACH ROW WHEN (NEW.response_body IS NOT NULL) EXECUTE FUNCTION hold_answers();"
        ))
        .await;
        let mut holder = app.database.connection().await;
        holder
            .batch_execute(&format!("SELECT pg_advisory_lock({HOLD_KEY})"))
            .await
            .expect("take the lock");
        Self { holder }
    }

    /// Waits (within a bound) until a request is writing its answer, held back.
    async fn until_an_answer_waits(&self, app: &TestApp) {
        let waiting = format!(
            "SELECT count(*) AS count FROM pg_locks \
              WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = {HOLD_KEY}"
        );
        let started = Instant::now();
        while app.query_count(&waiting, &[]).await == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no answer was written"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Lets every answer held back, and every later one, be written.
    async fn release(mut self) {
        self.holder
            .batch_execute(&format!("SELECT pg_advisory_unlock({HOLD_KEY})"))
            .await
            .expect("release the lock");
    }
}

/// The enrolments of the demo teacher in `group`, by id.
async fn enrolments_of_teacher(app: &TestApp, group: &str) -> Vec<String> {
    let ids = app
        .query_text(
            "SELECT coalesce(string_agg(e.id::text, ','), '') AS value FROM enrolments e \
               JOIN users u ON u.id = e.participant_id \
              WHERE e.work_group_id = $1::uuid AND u.email = $2",
            &[group, TEACHER],
        )
        .await;
    ids.split(',')
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Waits (within a bound) until the teacher's enrolment in `group` is committed.
async fn until_enrolled(app: &TestApp, group: &str) {
    let started = Instant::now();
    while enrolments_of_teacher(app, group).await.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the enrolment was never committed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

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
    let new_lead =
        json!({"email": "keyed.lead@school.example", "name": "Keyed Lead", "role": "lead"});
    let other_path = app
        .client
        .post(format!("{}/api/v1/users", app.address))
        .bearer_auth(&manager)
        .header("Idempotency-Key", "once")
        .json(&new_lead)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(other_path, 422).await;
    assert_eq!(
        problem["type"],
        "https://mathshub.invalid/problems/idempotency-key-reused"
    );
    assert_eq!(groups_with_code(&app, "LCW21-15-42").await, 0);
    let users = "SELECT count(*) AS count FROM users WHERE email = 'keyed.lead@school.example'";
    assert_eq!(app.query_count(users, &[]).await, 0);
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
async fn a_key_answers_409_while_its_first_request_runs_and_its_answer_once_it_is_done() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let body = new_work_group("LCW21-15-46");
    let hold = AnswerHold::install(&app).await;

    let first = create(&app, &manager, "in-flight", &body);
    let meanwhile = async {
        hold.until_an_answer_waits(&app).await;
        let running = create(&app, &manager, "in-flight", &body).await;
        assert_eq!(running.headers()["retry-after"], "1");
        assert_problem_saying(running, 409, "still being processed").await;
        hold.release().await;
    };
    let (first, ()) = tokio::join!(first, meanwhile);
    let created = json_body(first, 201).await;
    let again = create(&app, &manager, "in-flight", &body).await;

    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(json_body(again, 201).await, created);
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

/// An expression of interest under `key` to `server`, answered within 20 seconds.
fn express_with_key(
    server: &ServeProcess,
    token: &str,
    group: &str,
    key: &str,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + 'static {
    crate::helpers::client_builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
        .post(server.url(&format!("/api/v1/work-groups/{group}/enrolments")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&interest())
        .send()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expression_of_interest_committed_as_its_server_was_killed_is_replayed_after_a_restart()
{
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "automatic").await;
    let teacher = app.token(TEACHER).await;
    let mut server = ServeProcess::start(&app.database.url, &[]).await;
    let hold = AnswerHold::install(&app).await;

    // The client never reads this answer: the server is killed around it.
    let first = tokio::spawn(express_with_key(&server, &teacher, &group, "eoi-crash"));
    hold.until_an_answer_waits(&app).await;
    // Written apart from the change, the answer is held back after the enrolment committed;
    // written in the change's own transaction, nothing commits until the answer is let
    // through. Either way the server is killed once the enrolment is committed.
    let held = if enrolments_of_teacher(&app, &group).await.is_empty() {
        hold.release().await;
        None
    } else {
        Some(hold)
    };
    until_enrolled(&app, &group).await;
    server.kill();
    let _ = first.await;
    let server = ServeProcess::start(&app.database.url, &[]).await;
    let retry = express_with_key(&server, &teacher, &group, "eoi-crash")
        .await
        .expect("the retry is answered");

    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let replayed: Value = retry.json().await.expect("a JSON body");
    let stored = enrolments_of_teacher(&app, &group).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(replayed["id"], stored[0].as_str());
    assert_eq!(replayed["status"], "accepted");
    drop(held);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expression_of_interest_whose_server_was_killed_before_it_committed_is_made_once_on_retry()
 {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "automatic").await;
    let teacher = app.token(TEACHER).await;
    let mut server = ServeProcess::start(&app.database.url, &[]).await;
    let hold = AnswerHold::install(&app).await;

    let first = tokio::spawn(express_with_key(&server, &teacher, &group, "eoi-lost"));
    hold.until_an_answer_waits(&app).await;
    server.kill();
    let _ = first.await;
    hold.release().await;
    let server = ServeProcess::start(&app.database.url, &[]).await;
    // The killed server's transaction ends when its database session notices the process
    // is gone; until then the key is held, and the client retries as told.
    let started = Instant::now();
    let retry = loop {
        let retry = express_with_key(&server, &teacher, &group, "eoi-lost")
            .await
            .expect("the retry is answered");
        if retry.status() != 409 || started.elapsed() > Duration::from_secs(30) {
            break retry;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let created = json_body(retry, 201).await;
    let stored = enrolments_of_teacher(&app, &group).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(created["id"], stored[0].as_str());
}
