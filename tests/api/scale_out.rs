//! Two `mathshub serve` processes on one database, requests spread across both, as behind a
//! load balancer: idempotency keys, refresh-token rotation, sign-in rate limits and the
//! partner change feed hold as they do in one process, and processes starting at once on a
//! fresh database migrate it once. (Capacity across processes: `enrolment_writes`.)

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::change_feed::{events_of_the_area, id_of, ids, settled};
use crate::helpers::{TestApp, TestDatabase, new_work_group};
use crate::processes::ServeProcess;
use crate::signposting::lne_groups;

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";
const PASSWORD: &str = mathshub::seed::demo_accounts::DEMO_PASSWORD;

/// Two processes over the app's database, with these extra flags.
async fn two_processes(app: &TestApp, flags: &[&str]) -> [ServeProcess; 2] {
    let (a, b) = tokio::join!(
        ServeProcess::start(&app.database.url, flags),
        ServeProcess::start(&app.database.url, flags),
    );
    [a, b]
}

async fn call(
    client: &reqwest::Client,
    process: &ServeProcess,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = client.request(method, process.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("an answer")
}

async fn login(
    client: &reqwest::Client,
    process: &ServeProcess,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let body = json!({"email": email, "password": password});
    call(
        client,
        process,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&body),
    )
    .await
}

async fn signed_in(client: &reqwest::Client, process: &ServeProcess, email: &str) -> Value {
    let answer = login(client, process, email, PASSWORD).await;
    assert_eq!(answer.status(), 200);
    answer.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_idempotency_key_sent_to_two_processes_at_once_creates_one_work_group() {
    let app = TestApp::spawn_with_demo().await;
    let [a, b] = two_processes(&app, &[]).await;
    let client = crate::helpers::client();
    let token = signed_in(&client, &a, MANAGER).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = new_work_group("LCW21-15-80");
    let create = |process: &ServeProcess| {
        client
            .post(process.url("/api/v1/work-groups"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "across-processes")
            .json(&body)
            .send()
    };

    let (first, second) = tokio::join!(create(&a), create(&b));
    let again = create(&b).await.unwrap();

    let mut statuses = [first.unwrap(), second.unwrap()].map(|answer| {
        (
            answer.status().as_u16(),
            answer.headers().contains_key("idempotent-replayed"),
        )
    });
    statuses.sort();
    assert!(
        statuses == [(201, false), (201, true)] || statuses == [(201, false), (409, false)],
        "one creation, the other a replay or 409 while it ran: {statuses:?}"
    );
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let created = app
        .query_count(
            "SELECT count(*) AS count FROM work_groups WHERE code = 'LCW21-15-80'",
            &[],
        )
        .await;
    assert_eq!(created, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_rotated_on_one_process_and_replayed_on_the_other_revokes_the_session() {
    let app = TestApp::spawn_with_demo().await;
    let [a, b] = two_processes(&app, &[]).await;
    let client = crate::helpers::client();
    let first = signed_in(&client, &a, MANAGER).await;
    let refresh = |process: &ServeProcess, pair: &Value| {
        let body = json!({"refresh_token": pair["refresh_token"]});
        let client = &client;
        let process_url = process.url("/api/v1/auth/refresh");
        async move { client.post(process_url).json(&body).send().await.unwrap() }
    };

    let rotated = refresh(&a, &first).await;
    assert_eq!(rotated.status(), 200);
    let second: Value = rotated.json().await.unwrap();
    let replayed = refresh(&b, &first).await;
    let after_replay = refresh(&b, &second).await;

    assert_eq!(
        replayed.status(),
        401,
        "a used refresh token is refused on the other process"
    );
    assert_eq!(
        after_replay.status(),
        401,
        "the replay revoked the whole session"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_attempts_are_counted_across_processes() {
    let app = TestApp::spawn_with_demo().await;
    let [a, b] = two_processes(&app, &["--auth-attempts-per-account", "4"]).await;
    let client = crate::helpers::client();

    let mut statuses = Vec::new();
    for n in 0..6 {
        let process = if n % 2 == 0 { &a } else { &b };
        statuses.push(
            login(&client, process, MANAGER, "not-the-password")
                .await
                .status()
                .as_u16(),
        );
    }

    assert_eq!(statuses, [401, 401, 401, 401, 429, 429]);
}

/// One read of the partner's change feed through `process` (from now, with no cursor): its
/// items and the next cursor.
async fn poll(
    client: &reqwest::Client,
    process: &ServeProcess,
    token: &str,
    cursor: &str,
) -> (Vec<Value>, String) {
    let path = match cursor {
        "" => "/api/v1/partners/me/changes?limit=5".to_owned(),
        cursor => format!("/api/v1/partners/me/changes?since={cursor}&limit=5"),
    };
    let answer = call(client, process, Method::GET, &path, Some(token), None).await;
    assert_eq!(answer.status(), 200);
    let page: Value = answer.json().await.unwrap();
    (
        page["items"].as_array().unwrap().clone(),
        page["next_cursor"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn change_feed_events_written_through_both_processes_are_read_through_either_once_in_order() {
    // Arrange: two of London North East's groups, six places each, and 24 participants.
    let app = TestApp::spawn_with_demo().await;
    let [blended, core_maths, _] = lne_groups(&app);
    app.execute(&format!(
        "UPDATE work_groups SET capacity = 6 WHERE code IN ('{blended}', '{core_maths}')"
    ))
    .await;
    let processes = two_processes(&app, &["--pool-size", "4"]).await;
    let client = crate::helpers::client_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let partner = signed_in(&client, &processes[0], PARTNER).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, start) = poll(&client, &processes[1], &partner, "").await;
    let groups = [id_of(&app, &blended).await, id_of(&app, &core_maths).await];
    let people = app.participants(24, "137083", "head_of_department").await;

    // Act: each expresses interest through one process, and half withdraw through the other,
    // while the partner polls through both in turn.
    let writers =
        futures_util::future::join_all(people.iter().enumerate().map(|(n, (_, token))| {
            let (client, group) = (&client, &groups[n % 2]);
            let (here, there) = (&processes[n % 2], &processes[(n + 1) % 2]);
            async move {
                let body = json!({"school_urn": "137083", "role_in_school": "head_of_department"});
                let path = format!("/api/v1/work-groups/{group}/enrolments");
                let answer =
                    call(client, here, Method::POST, &path, Some(token), Some(&body)).await;
                assert_eq!(answer.status(), 201);
                let enrolment: Value = answer.json().await.unwrap();
                if n % 4 < 2 {
                    let path = format!(
                        "/api/v1/enrolments/{}/withdraw",
                        enrolment["id"].as_str().unwrap()
                    );
                    let reason = json!({"reason": "Timetable clash."});
                    let answer = call(
                        client,
                        there,
                        Method::POST,
                        &path,
                        Some(token),
                        Some(&reason),
                    )
                    .await;
                    assert_eq!(answer.status(), 200);
                }
            }
        }));
    let finished = std::sync::atomic::AtomicBool::new(false);
    let writers = async {
        writers.await;
        finished.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let reader = async {
        let (mut seen, mut cursor, mut polls) = (Vec::new(), start.clone(), 0usize);
        while !finished.load(std::sync::atomic::Ordering::SeqCst) && polls < 2_000 {
            let (items, next) = poll(&client, &processes[polls % 2], &partner, &cursor).await;
            (seen, cursor, polls) = ([seen, items].concat(), next, polls + 1);
        }
        settled(&app).await;
        loop {
            let (items, next) = poll(&client, &processes[polls % 2], &partner, &cursor).await;
            polls += 1;
            if items.is_empty() {
                return seen;
            }
            (seen, cursor) = ([seen, items].concat(), next);
        }
    };
    let ((), seen) = tokio::join!(writers, reader);

    // Assert
    let expected = events_of_the_area(&app).await;
    assert!(expected.len() >= 12, "only {} events", expected.len());
    assert_eq!(ids(&seen), expected, "each event once, in the feed's order");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_starting_at_once_on_a_fresh_database_migrate_it_once() {
    let database = TestDatabase::create_unmigrated().await;

    let (a, b) = (
        ServeProcess::spawn(&database.url, &[]),
        ServeProcess::spawn(&database.url, &[]),
    );
    tokio::join!(a.wait_until_ready(), b.wait_until_ready());

    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().join("up.sql").is_file())
        .count();
    let mut conn = database.connection().await;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let applied: Count = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) AS count FROM __diesel_schema_migrations"),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(applied.count, migrations as i64);
    let client = crate::helpers::client();
    for process in [&a, &b] {
        let answer = client
            .get(process.url("/api/v1/hubs"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
}
