//! Faults a deployment meets, survived by real `mathshub serve` processes: PostgreSQL
//! stopping under traffic and coming back, the API process killed in the middle of a burst of
//! expressions of interest, and the connection pool exhausted by requests stuck on a lock.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use mathshub::db::embedded::{EmbeddedOptions, EmbeddedPostgres};
use mathshub::db::migrate;
use serde_json::Value;

use crate::enrolment_writes::{TWYFORD, group_state, interest, open_group, waitlist_positions};
use crate::helpers::{TestApp, cluster_folder};
use crate::processes::ServeProcess;

const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";

/// A PostgreSQL cluster of the test's own, which it may stop without disturbing the others;
/// removed when dropped.
struct OwnCluster {
    server: EmbeddedPostgres,
    folder: PathBuf,
}

impl OwnCluster {
    /// A new cluster holding a migrated `mathshub` database with the demo data.
    async fn with_demo() -> Self {
        let folder = cluster_folder(&format!(
            "mathshub-faults-{}",
            uuid::Uuid::now_v7().simple()
        ));
        let options = EmbeddedOptions {
            data_dir: folder.clone(),
            server_settings: vec![("fsync".into(), "off".into())],
        };
        let server = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&options))
            .await
            .expect("start task")
            .expect("start a cluster of the test's own");
        let cluster = Self { server, folder };
        migrate::ensure_database(&cluster.server.url("postgres"), "mathshub")
            .await
            .expect("create the database");
        migrate::run_pending(&cluster.url()).await.expect("migrate");
        let mut conn = AsyncPgConnection::establish(&cluster.url()).await.unwrap();
        mathshub::seed::demo::load(&mut conn, chrono::Utc::now())
            .await
            .expect("load the demo data");
        cluster
    }

    fn url(&self) -> String {
        self.server.url("mathshub")
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = self.server.stop();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// One answer seen under load: when its request started (since the run began), how long it
/// took, and what it said.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    started: Duration,
    took: Duration,
    status: u16,
    problem_json: bool,
    retry_after: bool,
    body: String,
}

impl Seen {
    fn is_success(&self) -> bool {
        matches!(self.status, 200 | 201)
    }

    /// A 503 problem that tells the client when to retry.
    fn is_proper_unavailable(&self) -> bool {
        self.status == 503
            && self.problem_json
            && self.retry_after
            && self.body.contains("\"status\":503")
    }
}

/// Sends `request()` in a loop on `workers` tasks until `stop` is set (and never longer than
/// a minute), noting every answer.
fn keep_sending(
    workers: usize,
    epoch: Instant,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    request: impl Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
) -> Vec<tokio::task::JoinHandle<()>> {
    let request = Arc::new(request);
    (0..workers)
        .map(|worker| {
            let (stop, seen, request) = (stop.clone(), seen.clone(), request.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) && epoch.elapsed() < Duration::from_secs(60) {
                    n += 1;
                    let started = epoch.elapsed();
                    let answer = request(worker * 1_000_000 + n).send().await;
                    let took = epoch.elapsed() - started;
                    let seen_now = match answer {
                        Ok(response) => {
                            let header = |name: &str| response.headers().get(name).cloned();
                            let problem_json = header("content-type")
                                .is_some_and(|value| value == "application/problem+json");
                            let retry_after = header("retry-after").is_some();
                            let status = response.status().as_u16();
                            Seen {
                                path: response.url().path().to_owned(),
                                started,
                                took,
                                status,
                                problem_json,
                                retry_after,
                                body: response.text().await.unwrap_or_default(),
                            }
                        }
                        Err(error) => Seen {
                            path: error
                                .url()
                                .map(|url| url.path().to_owned())
                                .unwrap_or_default(),
                            started,
                            took,
                            status: 0,
                            problem_json: false,
                            retry_after: false,
                            body: error.to_string(),
                        },
                    };
                    seen.lock().unwrap().push(seen_now);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect()
}

/// Polls `/readyz` (each poll bounded) until it answers `status`; how long that took.
async fn readyz_until(process: &ServeProcess, status: u16, within: Duration) -> Duration {
    let client = crate::helpers::client();
    let started = Instant::now();
    while started.elapsed() < within {
        let answer = client
            .get(process.url("/readyz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        if let Ok(answer) = answer
            && answer.status().as_u16() == status
        {
            if status == 503 {
                assert!(answer.headers().contains_key("retry-after"));
            }
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/readyz did not answer {status} within {within:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_stopping_under_traffic_answers_503_and_the_same_process_recovers_on_its_own() {
    // Arrange: a server over a cluster of the test's own, with reads and writes flowing.
    let mut cluster = OwnCluster::with_demo().await;
    let api = ServeProcess::start(
        &cluster.url(),
        &[
            "--pool-size",
            "4",
            "--pool-timeout-ms",
            "1000",
            "--statement-timeout-ms",
            "2000",
        ],
    )
    .await;
    let client = crate::helpers::client_builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let signed_in: Value = client
        .post(api.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": TEACHER, "password": mathshub::seed::demo_accounts::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed_in["access_token"].as_str().unwrap().to_owned();
    let (epoch, stop) = (Instant::now(), Arc::new(AtomicBool::new(false)));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (reads, writes) = (
        api.url("/api/v1/hubs"),
        api.url("/api/v1/me/calendar-url/reset"),
    );
    let sender = client.clone();
    let mut load = keep_sending(4, epoch, stop.clone(), seen.clone(), move |n| {
        if n % 2 == 0 {
            sender.get(&reads)
        } else {
            sender.post(&writes).bearer_auth(&token)
        }
    });
    tokio::time::sleep(Duration::from_millis(800)).await;

    // Act: PostgreSQL stops, stays away for a while, and starts again on the same address.
    tokio::task::block_in_place(|| cluster.server.stop()).expect("stop PostgreSQL");
    let stopped_at = epoch.elapsed();
    readyz_until(&api, 503, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let restarting_at = epoch.elapsed();
    tokio::task::block_in_place(|| cluster.server.start_again()).expect("start PostgreSQL again");
    let recovery = readyz_until(&api, 200, Duration::from_secs(15)).await;
    let ready_at = epoch.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Every pooled connection in use at once: none may be one that died with the old server.
    let burst =
        futures_util::future::join_all((0..12).map(|_| client.get(api.url("/api/v1/hubs")).send()))
            .await;
    stop.store(true, Ordering::Relaxed);
    for worker in load.drain(..) {
        worker.await.unwrap();
    }

    // Assert
    let seen = seen.lock().unwrap().clone();
    let unexpected: Vec<&Seen> = seen
        .iter()
        .filter(|seen| !seen.is_success() && !seen.is_proper_unavailable())
        .collect();
    assert!(
        unexpected.is_empty(),
        "neither a success nor a 503 problem with Retry-After: {unexpected:#?}"
    );
    let slowest = seen.iter().map(|seen| seen.took).max().unwrap();
    assert!(
        slowest < Duration::from_millis(1000 + 2000 + 1000),
        "an answer took {slowest:?}, past the pool wait and statement timeouts"
    );
    let while_away: Vec<&Seen> = seen
        .iter()
        .filter(|seen| seen.started > stopped_at && seen.started + seen.took < restarting_at)
        .collect();
    assert!(!while_away.is_empty() && while_away.iter().all(|seen| seen.status == 503));
    assert!(
        seen.iter().any(|seen| seen.started < stopped_at
            && seen.path.ends_with("/reset")
            && seen.is_success()),
        "writes succeeded before the outage"
    );
    assert!(
        recovery < Duration::from_secs(10),
        "recovered after {recovery:?}"
    );
    let after: Vec<&Seen> = seen.iter().filter(|seen| seen.started > ready_at).collect();
    assert!(
        after.iter().any(|seen| seen.path.ends_with("/reset"))
            && after.iter().all(|seen| seen.is_success()),
        "once ready again, every request succeeds: {after:#?}"
    );
    for answer in burst {
        assert_eq!(answer.unwrap().status(), 200);
    }
}

/// Sends an expression of interest by each participant to `group` through `address`, all at
/// once; their answers.
async fn express_all(
    client: &reqwest::Client,
    address: &str,
    group: &str,
    people: &[(String, String)],
) -> Vec<reqwest::Result<reqwest::Response>> {
    let body = interest();
    futures_util::future::join_all(people.iter().map(|(_, token)| {
        client
            .post(format!("{address}/api/v1/work-groups/{group}/enrolments"))
            .bearer_auth(token)
            .json(&body)
            .send()
    }))
    .await
}

/// What the database holds of `group` that must always add up: places counted as accepted
/// enrolments within capacity, the waiting list 1..n, one change-feed event per place taken
/// after `events_before`. Answers how many enrolments the group has.
async fn assert_group_consistent(
    app: &TestApp,
    group: &str,
    capacity: i64,
    events_before: i64,
) -> i64 {
    let accepted = app
        .query_count(
            "SELECT count(*) AS count FROM enrolments WHERE work_group_id = $1::uuid AND status = 'accepted'",
            &[group],
        )
        .await;
    let counted = app
        .query_count(
            "SELECT accepted_count::bigint AS count FROM work_groups WHERE id = $1::uuid",
            &[group],
        )
        .await;
    assert_eq!(
        counted, accepted,
        "the places counter matches the accepted enrolments"
    );
    assert!(
        accepted <= capacity,
        "{accepted} accepted of {capacity} places"
    );
    let positions = waitlist_positions(app, group).await;
    assert_eq!(positions, (1..=positions.len() as i64).collect::<Vec<_>>());
    let events = app
        .query_count(
            "SELECT count(*) AS count FROM work_group_events WHERE work_group_id = $1::uuid AND id > $2::bigint",
            &[group, &events_before.to_string()],
        )
        .await;
    assert_eq!(events, accepted, "one change-feed event per place taken");
    accepted + positions.len() as i64
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_during_a_burst_of_interest_loses_no_acknowledged_enrolment() {
    // Arrange: 120 participants about to express interest in a group of 25 places.
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 25, "automatic").await;
    let events_before = app
        .query_count(
            "SELECT coalesce(max(id), 0)::bigint AS count FROM work_group_events",
            &[],
        )
        .await;
    let people = app.participants(120, TWYFORD, "head_of_department").await;
    let mut api = ServeProcess::start(
        &app.database.url,
        &["--pool-size", "8", "--pool-timeout-ms", "20000"],
    )
    .await;
    let client = crate::helpers::client_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // Act: the burst, and SIGKILL once the first expressions are in.
    let address = api.address.clone();
    let burst = express_all(&client, &address, &group, &people);
    let killer = async {
        for _ in 0..200 {
            let stored = app
                .query_count(
                    "SELECT count(*) AS count FROM enrolments WHERE work_group_id = $1::uuid",
                    &[&group],
                )
                .await;
            if stored >= 10 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        api.kill();
    };
    let (answers, ()) = tokio::join!(burst, killer);
    let mut acknowledged = Vec::new();
    for answer in answers.into_iter().flatten() {
        if answer.status() == 201 {
            let body: Value = answer.json().await.unwrap();
            acknowledged.push(body["id"].as_str().unwrap().to_owned());
        }
    }
    let restarted = ServeProcess::start(
        &app.database.url,
        &["--pool-size", "8", "--pool-timeout-ms", "20000"],
    )
    .await;

    // Assert: every acknowledged enrolment is there, and the group adds up.
    let ids = acknowledged.join(",");
    let found = app
        .query_count(
            "SELECT count(*) AS count FROM enrolments WHERE id = ANY(string_to_array($1, ',')::uuid[])",
            &[&ids],
        )
        .await;
    assert_eq!(
        found,
        acknowledged.len() as i64,
        "acknowledged enrolments are all stored"
    );
    let stored = assert_group_consistent(&app, &group, 25, events_before).await;
    assert!(
        stored < 120,
        "the kill cut the burst short ({stored} stored)"
    );
    // The restarted process takes the rest: each participant ends with exactly one enrolment.
    let again = express_all(&client, &restarted.address, &group, &people).await;
    for answer in again {
        let status = answer.unwrap().status().as_u16();
        assert!(status == 201 || status == 409, "{status}");
    }
    assert_eq!(
        assert_group_consistent(&app, &group, 25, events_before).await,
        120
    );
    assert_eq!(group_state(&app, &group).await, "full/25");
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_beyond_an_exhausted_pool_answer_503_within_the_wait_and_service_resumes() {
    // Arrange: a process with two connections, both stuck behind a row lock the test holds.
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 25, "automatic").await;
    let people = app.participants(4, TWYFORD, "head_of_department").await;
    let api = ServeProcess::start(
        &app.database.url,
        &[
            "--pool-size",
            "2",
            "--pool-timeout-ms",
            "500",
            "--statement-timeout-ms",
            "30000",
        ],
    )
    .await;
    let client = crate::helpers::client_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut locker = app.database.connection().await;
    locker
        .batch_execute(&format!(
            "BEGIN; SELECT id FROM work_groups WHERE id = '{group}' FOR UPDATE"
        ))
        .await
        .unwrap();
    let stuck = tokio::spawn({
        let (client, address, group) = (client.clone(), api.address.clone(), group.clone());
        let first_two = people[..2].to_vec();
        async move { express_all(&client, &address, &group, &first_two).await }
    });
    let mut waiting = 0;
    for _ in 0..200 {
        waiting = app
            .query_count(
                "SELECT count(*) AS count FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await;
        if waiting == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(waiting, 2, "both connections wait on the lock");

    // Act
    let started = Instant::now();
    let refused =
        futures_util::future::join_all((0..6).map(|_| client.get(api.url("/api/v1/hubs")).send()))
            .await;
    let took = started.elapsed();
    locker.batch_execute("ROLLBACK").await.unwrap();

    // Assert: refused at once with a 503 to retry, not queued; then everything goes through.
    assert!(
        took < Duration::from_millis(1500),
        "answered after {took:?}"
    );
    for answer in refused {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), 503);
        assert!(answer.headers().contains_key("retry-after"));
    }
    for answer in stuck.await.unwrap() {
        assert_eq!(answer.unwrap().status(), 201);
    }
    assert_eq!(
        client
            .get(api.url("/api/v1/hubs"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let later = express_all(&client, &api.address, &group, &people[2..]).await;
    for answer in later {
        assert_eq!(answer.unwrap().status(), 201);
    }
    assert_eq!(group_state(&app, &group).await, "open/4");
}
