//! The change feed partner sites follow, over HTTP: changes in order after a cursor that reads
//! on from where it stood, only the partner's area, nothing personal, bad cursors refused, and
//! never an event skipped or repeated while groups change under a polling reader.

use std::sync::atomic::{AtomicBool, Ordering};

use diesel_async::SimpleAsyncConnection;
use mathshub::db::PoolSettings;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::session_of;
use crate::helpers::{TestApp, assert_problem, invalid_fields, json_body, post};
use crate::signposting::lne_groups;

const ADMIN: &str = "admin@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";

/// One read of the feed, asserted 200.
async fn changes(app: &TestApp, token: &str, query: &str) -> Value {
    json_body(
        app.send(
            Method::GET,
            &format!("/api/v1/partners/me/changes{query}"),
            Some(token),
            None,
        )
        .await,
        200,
    )
    .await
}

/// Every change after `since`, `limit` per read, following `next_cursor` until a read comes
/// back empty; and the cursor to read on from.
async fn read_on(app: &TestApp, token: &str, since: &str, limit: u32) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut cursor = since.to_owned();
    loop {
        let page = changes(app, token, &format!("?since={cursor}&limit={limit}")).await;
        let batch = page["items"].as_array().unwrap().clone();
        assert!(batch.len() <= limit as usize);
        let next = page["next_cursor"].as_str().unwrap().to_owned();
        if batch.len() == limit as usize {
            assert_eq!(
                batch[batch.len() - 1]["cursor"],
                next.as_str(),
                "a full read goes on after its last item"
            );
        }
        cursor = next;
        if batch.is_empty() {
            return (items, cursor);
        }
        items.extend(batch);
    }
}

/// Waits until every event recorded so far is final. Transactions elsewhere on the test
/// cluster (other tests') hold the feed back while they run, as any long transaction would.
pub async fn settled(app: &TestApp) {
    for _ in 0..300 {
        let in_flight = app
            .query_count(
                "SELECT count(*) AS count FROM work_group_events \
                  WHERE feed_xid >= pg_snapshot_xmin(pg_current_snapshot())",
                &[],
            )
            .await;
        if in_flight == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("events were held back for 30 seconds");
}

fn kinds_and_codes(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            format!(
                "{}:{}",
                item["work_group"]["code"].as_str().unwrap(),
                item["kind"].as_str().unwrap()
            )
        })
        .collect()
}

pub async fn id_of(app: &TestApp, code: &str) -> String {
    app.query_text(
        "SELECT id::text AS value FROM work_groups WHERE code = $1",
        &[code],
    )
    .await
}

pub async fn patch_group(app: &TestApp, admin: &str, code: &str, body: Value) {
    let id = id_of(app, code).await;
    json_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/work-groups/{id}"),
            Some(admin),
            Some(&body),
        )
        .await,
        200,
    )
    .await;
}

pub async fn act_on_group(
    app: &TestApp,
    admin: &str,
    code: &str,
    action: &str,
    body: Option<&Value>,
) {
    let id = id_of(app, code).await;
    json_body(
        post(
            app,
            admin,
            &format!("/api/v1/work-groups/{id}/{action}"),
            body,
        )
        .await,
        200,
    )
    .await;
}

/// The ids of the events of London North East's groups (the demo partner's area), in the
/// feed's order.
pub async fn events_of_the_area(app: &TestApp) -> Vec<i64> {
    let ids = app
        .query_text(
            "SELECT coalesce(string_agg(e.id::text, ',' ORDER BY e.feed_xid, e.id), '') AS value \
               FROM work_group_events e JOIN work_groups w ON w.id = e.work_group_id \
               JOIN hubs h ON h.id = w.hub_id WHERE h.slug = 'london-north-east'",
            &[],
        )
        .await;
    ids.split(',')
        .filter(|id| !id.is_empty())
        .map(|id| id.parse().unwrap())
        .collect()
}

pub fn ids(items: &[Value]) -> Vec<i64> {
    items
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_come_in_order_and_the_cursor_reads_on_from_where_it_stood() {
    let app = TestApp::spawn_with_demo().await;
    let [blended, core_maths, online] = lne_groups(&app);
    let (admin, partner, teacher) = (
        app.token(ADMIN).await,
        app.token(PARTNER).await,
        app.token(TEACHER).await,
    );
    let before = changes(&app, &partner, "").await;
    assert_eq!(before["items"], json!([]));
    let start = before["next_cursor"].as_str().unwrap().to_owned();

    patch_group(&app, &admin, &blended, json!({"capacity": 1})).await;
    let group = id_of(&app, &blended).await;
    json_body(
        post(
            &app,
            &teacher,
            &format!("/api/v1/work-groups/{group}/enrolments"),
            Some(&json!({"school_urn": "137083", "role_in_school": "head_of_department"})),
        )
        .await,
        201,
    )
    .await;
    act_on_group(&app, &admin, &core_maths, "close", None).await;
    act_on_group(&app, &admin, &core_maths, "open", None).await;
    let reason = json!({"reason": "Too few expressions of interest this term."});
    act_on_group(&app, &admin, &online, "cancel", Some(&reason)).await;
    settled(&app).await;

    let (items, cursor) = read_on(&app, &partner, &start, 2).await;

    assert_eq!(
        kinds_and_codes(&items),
        [
            format!("{blended}:updated"),
            format!("{blended}:filled"),
            format!("{core_maths}:closed"),
            format!("{core_maths}:opened"),
            format!("{online}:cancelled"),
        ]
    );
    assert_eq!(ids(&items), events_of_the_area(&app).await);
    let filled = &items[1];
    assert_eq!(filled["details"]["places_left"], 0);
    assert_eq!(filled["details"]["status"], "full");
    assert_eq!(
        filled["work_group"],
        json!({"id": group, "code": blended, "title": "Years 5–8 Continuity",
               "hub": {"slug": "london-north-east", "name": "London North East Maths Hub"},
               "status": "full", "places_left": 0})
    );
    assert_eq!(items[4]["details"]["reason"], reason["reason"]);
    assert_eq!(items[4]["work_group"]["status"], "cancelled");

    // Read again from the end: nothing, and the same place to read on from.
    let again = changes(&app, &partner, &format!("?since={cursor}")).await;
    assert_eq!(
        (&again["items"], &again["next_cursor"]),
        (&json!([]), &json!(cursor))
    );
    // A change elsewhere (London Central and West) is not shown, but the cursor moves past it.
    patch_group(
        &app,
        &admin,
        "LCW21-15-01",
        json!({"description": "Elsewhere."}),
    )
    .await;
    settled(&app).await;
    let elsewhere = changes(&app, &partner, &format!("?since={cursor}")).await;
    assert_eq!(elsewhere["items"], json!([]));
    assert_ne!(elsewhere["next_cursor"], json!(cursor));
    patch_group(&app, &admin, &blended, json!({"capacity": 2})).await;
    settled(&app).await;
    let (next, _) = read_on(
        &app,
        &partner,
        elsewhere["next_cursor"].as_str().unwrap(),
        20,
    )
    .await;
    assert_eq!(kinds_and_codes(&next), [format!("{blended}:reopened")]);
    // From the beginning, everything once more.
    let (all, _) = read_on(&app, &partner, &start, 100).await;
    assert_eq!(all.len(), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_or_malformed_cursor_and_a_bad_limit_are_refused() {
    let app = TestApp::spawn_with_demo().await;
    let [blended, ..] = lne_groups(&app);
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    patch_group(&app, &admin, &blended, json!({"capacity": 20})).await;
    settled(&app).await;
    let page = changes(&app, &partner, "").await;
    let cursor = page["items"][0]["cursor"].as_str().unwrap();
    let (xid, id) = cursor.split_once('.').expect("a cursor is xid.id");
    let (xid, id): (u64, i64) = (xid.parse().unwrap(), id.parse().unwrap());
    let refused = async |query: &str, status: u16| {
        let path = format!("/api/v1/partners/me/changes{query}");
        let response = app.send(Method::GET, &path, Some(&partner), None).await;
        assert_problem(response, status).await
    };

    // Not of the cursors' form, or not a query the feed takes: 400.
    for (query, field) in [
        ("?since=nonsense".to_owned(), "since"),
        (format!("?since={xid}"), "since"),
        (format!("?since={xid}.{id}.0"), "since"),
        (format!("?since={xid}.-{id}"), "since"),
        (format!("?since={cursor}&since={cursor}"), "since"),
        ("?limit=0".to_owned(), "limit"),
        ("?limit=101".to_owned(), "limit"),
        ("?cursor=x".to_owned(), "cursor"),
    ] {
        let problem = refused(&query, 400).await;
        assert_eq!(invalid_fields(&problem), [field], "{query}: {problem}");
    }
    // Of the cursors' form, but no place this feed gave: 422, never a silent skip.
    for query in [
        format!("?since={xid}.{}", id + 1),
        format!("?since={}.{id}", xid + 1),
    ] {
        let problem = refused(&query, 422).await;
        assert_eq!(invalid_fields(&problem), ["since"], "{query}: {problem}");
    }
    assert_eq!(
        changes(&app, &partner, &format!("?since={cursor}")).await["items"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_shows_no_personal_data() {
    let app = TestApp::spawn_with_demo().await;
    let [blended, ..] = lne_groups(&app);
    let partner = app.token(PARTNER).await;
    let teachers = app.participants(2, "137083", "head_of_department").await;
    let group = id_of(&app, &blended).await;
    for (_, token) in &teachers {
        json_body(
            post(
                &app,
                token,
                &format!("/api/v1/work-groups/{group}/enrolments"),
                Some(
                    &json!({"school_urn": "137083", "role_in_school": "head_of_department",
                             "statement": "A personal statement"}),
                ),
            )
            .await,
            201,
        )
        .await;
    }
    let admin = app.token(ADMIN).await;
    // The group's online session moves to another room.
    json_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/sessions/{}", session_of(&app, &blended, 2).await),
            Some(&admin),
            Some(&json!({"joining_link": "https://meet.example.invalid/moved-room"})),
        )
        .await,
        200,
    )
    .await;
    settled(&app).await;

    let body = app
        .send(
            Method::GET,
            "/api/v1/partners/me/changes",
            Some(&partner),
            None,
        )
        .await
        .text()
        .await
        .unwrap();

    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        kinds_and_codes(page["items"].as_array().unwrap()),
        [
            format!("{blended}:updated"),
            format!("{blended}:updated"),
            format!("{blended}:updated")
        ]
    );
    assert_eq!(page["items"][2]["details"]["change"], "session.updated");
    for secret in [
        "Participant",
        "school.example",
        "personal statement",
        "meet.example.invalid",
        "137083",
    ] {
        assert!(!body.contains(secret), "{secret} shown: {body}");
    }
}

/// A transaction that records an event and stays open while others commit theirs: the feed
/// holds back whatever it might order after, then hands out each event once.
#[tokio::test(flavor = "multi_thread")]
async fn an_event_committed_late_is_neither_skipped_nor_repeated() {
    let app = TestApp::spawn_with_demo().await;
    let [blended, core_maths, online] = lne_groups(&app);
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let start = changes(&app, &partner, "").await["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let record_late = format!(
        "INSERT INTO work_group_events (work_group_id, kind, details) \
         SELECT id, 'updated', '{{}}' FROM work_groups WHERE code = '{online}'"
    );

    // A lower id committed after a higher one.
    let mut writer = app.database.connection().await;
    writer
        .batch_execute(&format!("BEGIN; {record_late};"))
        .await
        .unwrap();
    patch_group(&app, &admin, &blended, json!({"capacity": 20})).await;
    let held = changes(&app, &partner, &format!("?since={start}")).await;
    assert_eq!(
        held["items"],
        json!([]),
        "both wait for the open transaction"
    );
    writer.batch_execute("COMMIT").await.unwrap();
    settled(&app).await;
    let (first, cursor) = read_on(&app, &partner, held["next_cursor"].as_str().unwrap(), 1).await;
    assert_eq!(
        kinds_and_codes(&first),
        [format!("{online}:updated"), format!("{blended}:updated")]
    );

    // A transaction that took its id first but records its event after another committed.
    writer
        .batch_execute("BEGIN; SELECT pg_current_xact_id();")
        .await
        .unwrap();
    patch_group(&app, &admin, &core_maths, json!({"capacity": 21})).await;
    let held = changes(&app, &partner, &format!("?since={cursor}")).await;
    assert_eq!(held["items"], json!([]));
    writer
        .batch_execute(&format!("{record_late}; COMMIT;"))
        .await
        .unwrap();
    settled(&app).await;
    let (second, _) = read_on(&app, &partner, held["next_cursor"].as_str().unwrap(), 1).await;
    assert_eq!(
        kinds_and_codes(&second),
        [format!("{online}:updated"), format!("{core_maths}:updated")]
    );

    let (everything, _) = read_on(&app, &partner, &start, 3).await;
    assert_eq!(ids(&everything), [ids(&first), ids(&second)].concat());
    assert_eq!(ids(&everything), events_of_the_area(&app).await);
}

/// Transaction ids are ordered as numbers, not as their text ("10" after "9").
#[tokio::test(flavor = "multi_thread")]
async fn positions_are_ordered_as_numbers_whatever_their_digits() {
    let app = TestApp::spawn_with_demo().await;
    let [blended, core_maths, _] = lne_groups(&app);
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    patch_group(&app, &admin, &blended, json!({"capacity": 20})).await;
    patch_group(&app, &admin, &core_maths, json!({"capacity": 20})).await;
    // As if the cluster's transaction ids had just passed 9 when these were recorded.
    app.execute(
        "UPDATE work_group_events SET feed_xid = '9'
          WHERE id = (SELECT min(id) FROM work_group_events);
         UPDATE work_group_events SET feed_xid = '10'
          WHERE id = (SELECT max(id) FROM work_group_events);",
    )
    .await;

    let from_the_start = "0.0";
    let (items, _) = read_on(&app, &partner, from_the_start, 1).await;

    assert_eq!(
        kinds_and_codes(&items),
        [
            format!("{blended}:updated"),
            format!("{core_maths}:updated")
        ]
    );
}

/// One read of five changes at most: the changes, and the cursor to read on from.
async fn poll_once(app: &TestApp, token: &str, cursor: &str) -> (Vec<Value>, String) {
    let page = changes(app, token, &format!("?since={cursor}&limit=5")).await;
    (
        page["items"].as_array().unwrap().clone(),
        page["next_cursor"].as_str().unwrap().to_owned(),
    )
}

/// Many writers change the area's groups (expressions of interest filling them, withdrawals
/// freeing places, edits of the same groups, and of a group elsewhere) while a partner polls: what it read, put together, is every event
/// of its area exactly once, in the feed's order, each group's in the order they happened.
#[tokio::test(flavor = "multi_thread")]
async fn a_reader_polling_under_concurrent_writes_sees_every_event_once_in_order() {
    let app = TestApp::spawn_with_demo_on(PoolSettings {
        max_size: 8,
        ..PoolSettings::default()
    })
    .await;
    let [blended, core_maths, online] = lne_groups(&app);
    app.execute(&format!(
        "UPDATE work_groups SET capacity = 6 WHERE code IN ('{blended}', '{core_maths}')"
    ))
    .await;
    let (admin, partner) = (app.token(ADMIN).await, app.token(PARTNER).await);
    let start = changes(&app, &partner, "").await["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let teachers = app.participants(32, "137083", "head_of_department").await;
    let groups = [id_of(&app, &blended).await, id_of(&app, &core_maths).await];
    let slow_group = id_of(&app, &online).await;
    let writing = AtomicBool::new(true);

    let enrol_and_withdraw = teachers.iter().enumerate().map(|(n, (_, token))| {
        let (app, group) = (&app, &groups[n % 2]);
        async move {
            let enrolment = json_body(
                post(
                    app,
                    token,
                    &format!("/api/v1/work-groups/{group}/enrolments"),
                    Some(&json!({"school_urn": "137083", "role_in_school": "head_of_department"})),
                )
                .await,
                201,
            )
            .await;
            if n % 4 < 2 {
                let path = format!(
                    "/api/v1/enrolments/{}/withdraw",
                    enrolment["id"].as_str().unwrap()
                );
                let reason = json!({"reason": "Timetable clash."});
                json_body(post(app, token, &path, Some(&reason)).await, 200).await;
            }
        }
    });
    let edits = (0..30).map(|n| {
        let (app, admin, blended, core_maths) = (&app, &admin, &blended, &core_maths);
        async move {
            let (code, body): (&str, Value) = match n % 3 {
                0 => (blended, json!({"description": format!("Edit {n}")})),
                1 => (
                    core_maths,
                    json!({"title": format!("Developing Core Maths Pedagogy ({n})")}),
                ),
                _ => (
                    "LCW21-15-01",
                    json!({"description": format!("Elsewhere {n}")}),
                ),
            };
            patch_group(app, admin, code, body).await;
        }
    });
    // Writers slower to commit than the API's, each holding its event a few milliseconds, for
    // as long as the others write: a reader that did not wait for them would pass them by.
    let slow_writers = (0..4).map(|_| {
        let (app, writing, online) = (&app, &writing, &online);
        async move {
            let mut conn = app.database.connection().await;
            while writing.load(Ordering::SeqCst) {
                conn.batch_execute(&format!(
                    "BEGIN;
                     SELECT 1 FROM work_groups WHERE code = '{online}' FOR NO KEY UPDATE;
                     INSERT INTO work_group_events (work_group_id, kind, details)
                     SELECT id, 'updated', '{{}}' FROM work_groups WHERE code = '{online}';
                     SELECT pg_sleep(random() / 20);
                     COMMIT;"
                ))
                .await
                .unwrap();
            }
        }
    });
    let finished = AtomicBool::new(false);
    let writers = async {
        // A few requests at a time, so that the reader's polls are not queued behind them all.
        let api_writers = async {
            use futures_util::StreamExt;
            let requests = enrol_and_withdraw
                .map(futures_util::future::Either::Left)
                .chain(edits.map(futures_util::future::Either::Right));
            futures_util::stream::iter(requests)
                .buffer_unordered(4)
                .collect::<Vec<()>>()
                .await;
            writing.store(false, Ordering::SeqCst);
        };
        futures_util::future::join(api_writers, futures_util::future::join_all(slow_writers)).await;
        finished.store(true, Ordering::SeqCst);
    };
    let reader = async {
        let (mut seen, mut cursor, mut polls) = (Vec::new(), start.clone(), 0);
        while !finished.load(Ordering::SeqCst) {
            let (items, next) = poll_once(&app, &partner, &cursor).await;
            (seen, cursor, polls) = ([seen, items].concat(), next, polls + 1);
        }
        settled(&app).await;
        let (rest, _) = read_on(&app, &partner, &cursor, 5).await;
        ([seen, rest].concat(), polls)
    };
    let ((), (seen, polls)) = tokio::join!(writers, reader);

    let expected = events_of_the_area(&app).await;
    assert!(expected.len() >= 30, "only {} events", expected.len());
    assert!(polls > 3, "the reader polled {polls} times");
    assert_eq!(ids(&seen), expected, "each event once, in the feed's order");
    assert!(
        seen.iter()
            .all(|item| item["work_group"]["hub"]["slug"] == "london-north-east")
    );
    for group in groups.iter().chain([&slow_group]) {
        let of_group: Vec<i64> = seen
            .iter()
            .filter(|item| item["work_group"]["id"] == group.as_str())
            .map(|item| item["id"].as_i64().unwrap())
            .collect();
        assert!(
            of_group.windows(2).all(|pair| pair[0] < pair[1]),
            "a group's events in the order they happened: {of_group:?}"
        );
    }
}
