//! Calendar feeds, read as a calendar app reads them: every feed is parsed by Python's
//! `icalendar` package (`tests/ics/parse.py`, which resolves times through the feed's own
//! VTIMEZONE), then checked: London times on both sides of the clock change, SEQUENCE and
//! STATUS as sessions and groups change, joining links in personal feeds only and only where
//! their owner may see them, and secret addresses that die when reset or disabled.

use std::io::Write;
use std::process::{Command, Stdio};

use mathshub::auth::calendar_secrets::CalendarSecrets;
use mathshub::config::Secret;
use mathshub::seed::demo_offer::Slot;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TEST_JWT_SECRET, TEST_PUBLIC_URL, TestApp, assert_problem, assert_problem_saying, audit_count,
    etag_of, json_body, next_cohort, patch_if_match, post, session_of,
};

const DEMO_GROUP: &str = "LCW21-15-01";
/// The demo group's online session's joining link.
const DEMO_LINK: &str = "https://meet.example.invalid/lcw21-15-01";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const GLOW_LEAD: &str = "lead.glow.post16@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const MEDIA_TYPE: &str = "text/calendar; charset=utf-8";
const NO_CALENDAR: &str = "There is no calendar at this address";

/// The feed as `tests/ics/parse.py` reads it.
fn parse_ics(feed: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ics/parse.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(feed.as_bytes())
        .expect("the feed is written");
    let output = child.wait_with_output().expect("the parser ends");
    assert!(
        output.status.success(),
        "the iCalendar parser refused the feed (is Python's icalendar installed? `pip install icalendar`): {}\n{feed}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the parser prints JSON")
}

/// GETs a feed, which must answer 200 as `text/calendar`, and returns its text.
async fn feed_text(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    assert_eq!(response.headers()["content-type"], MEDIA_TYPE);
    response.text().await.expect("a text body")
}

/// The events of a feed, as the parser read them.
async fn events_of(app: &TestApp, path: &str) -> Vec<Value> {
    let calendar = parse_ics(&feed_text(app, path).await);
    assert_eq!(calendar["timezones"], json!(["Europe/London"]));
    calendar["events"].as_array().expect("events").clone()
}

async fn group_id(app: &TestApp, code: &str) -> String {
    app.query_text(
        "SELECT id::text AS value FROM work_groups WHERE code = $1",
        &[code],
    )
    .await
}

/// The session ids of a group in time order.
async fn session_ids(app: &TestApp, code: &str) -> Vec<String> {
    app.query_text(
        "SELECT string_agg(s.id::text, ',' ORDER BY s.starts_at) AS value FROM sessions s \
           JOIN work_groups w ON w.id = s.work_group_id WHERE w.code = $1",
        &[code],
    )
    .await
    .split(',')
    .map(str::to_owned)
    .collect()
}

fn uids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|event| event["uid"].as_str().unwrap().to_owned())
        .collect()
}

fn session_uids(ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| format!("session-{id}@mathshub.invalid"))
        .collect()
}

/// The caller's personal feed address, from `GET /me/calendar-url`.
async fn calendar_url(app: &TestApp, token: &str) -> String {
    let response = app
        .send(Method::GET, "/api/v1/me/calendar-url", Some(token), None)
        .await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_body(response, 200).await;
    body["url"].as_str().expect("a url").to_owned()
}

/// The path of an address the API handed out (it names the public URL, not the test port).
fn path_of(url: &str) -> String {
    url.strip_prefix(TEST_PUBLIC_URL)
        .unwrap_or_else(|| panic!("{url} is not under {TEST_PUBLIC_URL}"))
        .to_owned()
}

/// The events of the caller's personal feed.
async fn my_events(app: &TestApp, token: &str) -> Vec<Value> {
    events_of(app, &path_of(&calendar_url(app, token).await)).await
}

/// The joining link of the online session of the demo's group `code`.
fn link_of(code: &str) -> String {
    format!("https://meet.example.invalid/{}", code.to_lowercase())
}

/// The UIDs of the sessions in the feeds' window (this academic year and the next) of the
/// demo's groups that the LCW lead leads, in time order.
async fn led_by_the_lcw_lead(app: &TestApp) -> Vec<String> {
    let window = mathshub::domain::feed_window::FeedWindow::at(chrono::Utc::now());
    let ids = app
        .query_text(
            "SELECT string_agg(s.id::text, ',' ORDER BY s.starts_at) AS value FROM sessions s \
               JOIN work_groups w ON w.id = s.work_group_id \
              WHERE w.code IN ($1, $2) AND s.ends_at > $3::timestamptz",
            &[
                &app.demo_code(Slot::SubjectLeadershipUnderWay),
                &next_cohort(app),
                &window.from.to_rfc3339(),
            ],
        )
        .await;
    session_uids(&ids.split(',').map(str::to_owned).collect::<Vec<_>>())
}

/// Gives a participant an enrolment of `status` in the group `code`.
async fn enrol(app: &TestApp, participant: &str, code: &str, status: &str) {
    let position = if status == "waitlisted" { "1" } else { "NULL" };
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, waitlist_position) \
         SELECT gen_random_uuid(), id, '{participant}', '137083', 'teacher', '{status}', {position} \
           FROM work_groups WHERE code = '{code}'"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_work_group_feed_shows_london_wall_clock_times_across_the_clock_change_without_links() {
    let app = TestApp::spawn_with_demo().await;
    let group = group_id(&app, DEMO_GROUP).await;
    let path = format!("/api/v1/work-groups/{group}/calendar.ics");

    let text = feed_text(&app, &path).await;
    let calendar = parse_ics(&text);
    let events = calendar["events"].as_array().unwrap();

    assert_eq!(calendar["name"], "LCW21-15-01 Secondary Subject Leadership");
    assert_eq!(
        uids(events),
        session_uids(&session_ids(&app, DEMO_GROUP).await)
    );
    let (winter, online, summer) = (&events[0], &events[1], &events[2]);
    // 17 November 2021 is in GMT, 25 May 2022 in BST: 09:30 in London both times.
    assert_eq!(
        winter["start"],
        json!({"tzid": "Europe/London", "local": "2021-11-17T09:30:00", "utc": "2021-11-17T09:30:00Z"})
    );
    assert_eq!(
        summer["start"],
        json!({"tzid": "Europe/London", "local": "2022-05-25T09:30:00", "utc": "2022-05-25T08:30:00Z"})
    );
    assert_eq!(summer["end"]["utc"], "2022-05-25T13:30:00Z");
    for event in events {
        assert_eq!(event["sequence"], 0);
        assert_eq!(event["status"], "CONFIRMED");
        assert_eq!(
            event["url"],
            format!("{TEST_PUBLIC_URL}/api/v1/work-groups/{group}")
        );
        assert_eq!(event["summary"], "Secondary Subject Leadership (workshop)");
    }
    assert_eq!(
        winter["location"],
        "Twyford Church of England High School, Twyford Crescent, London, W3 9PP"
    );
    assert!(winter["description"].as_str().unwrap().starts_with(
        "LCW21-15-01 Secondary Subject Leadership: a workshop of London Central and West Maths Hub."
    ));
    assert_eq!(online["location"], "Online");
    assert!(
        !text.contains(DEMO_LINK),
        "a public feed shows a joining link"
    );

    // Polled again unchanged, it answers 304 to its tag.
    let tag = etag_of(&app, &path).await;
    let again = app
        .client
        .get(format!("{}{path}", app.address))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_unknown_or_malformed_group_has_no_feed() {
    let app = TestApp::spawn_with_demo().await;
    let group = group_id(&app, DEMO_GROUP).await;
    app.execute(&format!(
        "UPDATE work_groups SET status = 'draft' WHERE id = '{group}'"
    ))
    .await;

    for path in [
        format!("/api/v1/work-groups/{group}/calendar.ics"),
        "/api/v1/work-groups/01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10/calendar.ics".into(),
    ] {
        assert_problem(app.get(&path).await, 404).await;
    }
    assert_problem(app.get("/api/v1/work-groups/42/calendar.ics").await, 400).await;
    let lead = app.token(LEAD).await;
    // Not even those who run the draft: the feed is public, and a draft is not.
    assert_problem(
        app.send(
            Method::GET,
            &format!("/api/v1/work-groups/{group}/calendar.ics"),
            Some(&lead),
            None,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moving_a_session_bumps_its_sequence_and_changing_its_notes_does_not() {
    let app = TestApp::spawn_with_demo().await;
    crate::helpers::reopen_documented_group(&app, DEMO_GROUP).await;
    let group = group_id(&app, DEMO_GROUP).await;
    let path = format!("/api/v1/work-groups/{group}/calendar.ics");
    let lead = app.token(LEAD).await;
    let session = session_of(&app, DEMO_GROUP, 1).await;
    let session_path = format!("/api/v1/sessions/{session}");

    let moved =
        json!({"starts_at": "2021-11-24T09:30:00+00:00", "ends_at": "2021-11-24T14:30:00+00:00"});
    let tag = etag_of(&app, &session_path).await;
    json_body(
        patch_if_match(&app, &session_path, &lead, &tag, &moved).await,
        200,
    )
    .await;
    let events = events_of(&app, &path).await;
    assert_eq!(
        events[0]["uid"],
        format!("session-{session}@mathshub.invalid")
    );
    assert_eq!(events[0]["sequence"], 1);
    assert_eq!(events[0]["start"]["local"], "2021-11-24T09:30:00");
    assert_eq!(
        (events[1]["sequence"].clone(), events[2]["sequence"].clone()),
        (json!(0), json!(0))
    );

    let tag = etag_of(&app, &session_path).await;
    let notes = json!({"notes": "Bring your department's scheme of work."});
    json_body(
        patch_if_match(&app, &session_path, &lead, &tag, &notes).await,
        200,
    )
    .await;
    let events = events_of(&app, &path).await;
    assert_eq!(
        events[0]["sequence"], 1,
        "notes are not a change of time or place"
    );
    assert!(
        events[0]["description"]
            .as_str()
            .unwrap()
            .ends_with("Bring your department's scheme of work.")
    );

    let venue = json!({"venue": {"name": "Ealing Fields High School", "postcode": "W5 4EA"}});
    let tag = etag_of(&app, &session_path).await;
    json_body(
        patch_if_match(&app, &session_path, &lead, &tag, &venue).await,
        200,
    )
    .await;
    let events = events_of(&app, &path).await;
    assert_eq!(events[0]["sequence"], 2);
    assert_eq!(events[0]["location"], "Ealing Fields High School, W5 4EA");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_group_s_sessions_become_cancelled_events_one_sequence_on() {
    let app = TestApp::spawn_with_demo().await;
    crate::helpers::reopen_documented_group(&app, DEMO_GROUP).await;
    let group = group_id(&app, DEMO_GROUP).await;
    let manager = app.token(MANAGER).await;
    json_body(
        post(
            &app,
            &manager,
            &format!("/api/v1/work-groups/{group}/cancel"),
            Some(&json!({"reason": "The hub could not find a venue."})),
        )
        .await,
        200,
    )
    .await;

    let events = events_of(&app, &format!("/api/v1/work-groups/{group}/calendar.ics")).await;
    assert_eq!(events.len(), 3);
    for event in &events {
        assert_eq!(event["status"], "CANCELLED");
        assert_eq!(event["sequence"], 1);
        assert!(
            event["summary"]
                .as_str()
                .unwrap()
                .starts_with("Cancelled: "),
            "{event}"
        );
        assert!(
            event["description"]
                .as_str()
                .unwrap()
                .contains("The work group is cancelled: The hub could not find a venue."),
            "{event}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_session_becomes_a_cancelled_event_one_sequence_on() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = next_cohort(&app);
    let group = group_id(&app, &cohort).await;
    let path = format!("/api/v1/work-groups/{group}/calendar.ics");
    let manager = app.token(MANAGER).await;
    let online = session_of(&app, &cohort, 2).await;
    let before = events_of(&app, &path).await;
    assert_eq!(
        (&before[1]["status"], &before[1]["sequence"]),
        (&json!("CONFIRMED"), &json!(0))
    );

    json_body(
        post(
            &app,
            &manager,
            &format!("/api/v1/sessions/{online}/cancel"),
            Some(&json!({"reason": "The lead is at a national conference that evening."})),
        )
        .await,
        200,
    )
    .await;

    let events = events_of(&app, &path).await;
    let cancelled = &events[1];
    assert_eq!(
        cancelled["uid"],
        format!("session-{online}@mathshub.invalid")
    );
    assert_eq!(
        (&cancelled["status"], &cancelled["sequence"]),
        (&json!("CANCELLED"), &json!(1))
    );
    assert_eq!(
        cancelled["summary"],
        "Cancelled: Secondary Subject Leadership (workshop)"
    );
    assert!(
        cancelled["description"].as_str().unwrap().contains(
            "The session is cancelled: The lead is at a national conference that evening."
        ),
        "{cancelled}"
    );
    for other in [&events[0], &events[2]] {
        assert_eq!(
            (&other["status"], &other["sequence"]),
            (&json!("CONFIRMED"), &json!(0))
        );
    }
    // The lead's own feed says so too, without a link to a meeting that will not be held.
    let mine = my_events(&app, &app.token(LEAD).await).await;
    let in_mine = mine
        .iter()
        .find(|event| event["uid"] == cancelled["uid"])
        .unwrap();
    assert_eq!(in_mine["status"], "CANCELLED");
    assert!(
        !in_mine["description"]
            .as_str()
            .unwrap()
            .contains(&link_of(&cohort)),
        "{in_mine}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_feed_holds_its_public_groups_sessions_of_this_academic_year_and_the_next() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = next_cohort(&app);
    let lcw = "/api/v1/hubs/london-central-and-west/calendar.ics";
    let glow = "/api/v1/hubs/glow/calendar.ics";

    // The 2021/22 groups are out of the window; this year's are in it.
    let events = events_of(&app, lcw).await;
    assert_eq!(uids(&events), led_by_the_lcw_lead(&app).await);
    let text = feed_text(&app, lcw).await;
    assert!(!text.contains("meet.example.invalid"), "{text}");
    // GLOW's closed and cancelled groups are public; its draft is not.
    let mut glow_sessions = session_ids(&app, &app.demo_code(Slot::GlowCoreMaths)).await;
    glow_sessions.extend(session_ids(&app, &app.demo_code(Slot::GlowSustaining)).await);
    let mut shown = uids(&events_of(&app, glow).await);
    shown.sort();
    let mut expected = session_uids(&glow_sessions);
    expected.sort();
    assert_eq!(shown, expected);

    // A draft is not public.
    app.execute(&format!(
        "UPDATE work_groups SET status = 'draft' WHERE code = '{cohort}'"
    ))
    .await;
    let cohort_sessions = session_uids(&session_ids(&app, &cohort).await);
    let still_shown = uids(&events_of(&app, lcw).await);
    assert!(!still_shown.is_empty());
    assert!(still_shown.iter().all(|uid| !cohort_sessions.contains(uid)));

    assert_problem(app.get("/api/v1/hubs/no-such-hub/calendar.ics").await, 404).await;
    assert_problem(app.get("/api/v1/hubs/Not_A_Slug/calendar.ics").await, 400).await;
    assert_problem(app.get(&format!("{lcw}?from=2021-09-01")).await, 400).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_signposting_feed_holds_the_sessions_of_the_groups_signposted_to_an_authority() {
    let app = TestApp::spawn_with_demo().await;
    let lne = [
        Slot::LneYears5To8,
        Slot::LneCoreMaths,
        Slot::LneYears5To8Online,
    ]
    .map(|slot| app.demo_code(slot));
    let mut expected = Vec::new();
    for code in &lne {
        expected.extend(session_uids(&session_ids(&app, code).await));
    }
    expected.sort();
    let links = app
        .query_text(
            "SELECT coalesce(string_agg(joining_link, ' '), '') AS value FROM sessions \
              WHERE joining_link IS NOT NULL",
            &[],
        )
        .await;
    let newham = "/api/v1/signposting/calendar.ics?local_authority=E09000025";

    let text = feed_text(&app, newham).await;
    let mut shown = uids(&parse_ics(&text)["events"].as_array().unwrap().clone());
    shown.sort();
    assert_eq!(shown, expected);
    for link in links.split_whitespace() {
        assert!(
            !text.contains(link),
            "a joining link in a public feed: {link}"
        );
    }

    // A group that stops taking expressions of interest leaves the feed.
    app.execute(&format!(
        "UPDATE work_groups SET status = 'closed' WHERE code = '{}'",
        lne[1]
    ))
    .await;
    let closed = session_uids(&session_ids(&app, &lne[1]).await);
    let after = uids(&events_of(&app, newham).await);
    assert_eq!(after.len(), expected.len() - closed.len());
    assert!(closed.iter().all(|uid| !after.contains(uid)));

    // The City of London has no hub recorded: an empty calendar.
    let city = events_of(
        &app,
        "/api/v1/signposting/calendar.ics?local_authority=E09000001",
    )
    .await;
    assert_eq!(city, Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_signposting_feed_refuses_an_unknown_malformed_or_missing_authority() {
    let app = TestApp::spawn_with_demo().await;
    let feed = |query: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/signposting/calendar.ics{query}"))
                .await
        }
    };

    assert_problem(feed("?local_authority=E09000099").await, 404).await;
    for query in [
        "",
        "?local_authority=E0900002",
        "?local_authority=E09000025&referred_by=london-district-east",
    ] {
        assert_problem(feed(query).await, 400).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn my_calendar_url_stays_the_same_and_opens_my_sessions_with_their_joining_links() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = next_cohort(&app);
    let teacher = app.token(TEACHER).await;
    let teacher_id = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = $1",
            &[TEACHER],
        )
        .await;
    enrol(&app, &teacher_id, &cohort, "accepted").await;

    let url = calendar_url(&app, &teacher).await;
    assert!(
        url.starts_with(&format!("{TEST_PUBLIC_URL}/api/v1/calendars/")),
        "{url}"
    );
    assert!(url.ends_with(".ics"), "{url}");
    assert_eq!(calendar_url(&app, &teacher).await, url);

    let response = app.get(&path_of(&url)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let calendar = parse_ics(&response.text().await.unwrap());
    assert_eq!(calendar["name"], "Maths Hubs: my sessions");
    let events = calendar["events"].as_array().unwrap();
    // The cohort's sessions, and nothing else: the teacher holds no other place.
    assert_eq!(
        uids(events),
        session_uids(&session_ids(&app, &cohort).await)
    );
    assert_eq!(events[1]["location"], "Online");
    assert!(
        events[1]["description"]
            .as_str()
            .unwrap()
            .contains(&format!("Join online: {}", link_of(&cohort))),
        "{}",
        events[1]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn personal_feeds_hold_places_held_and_groups_led_only() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = next_cohort(&app);
    let cohort_sessions = session_uids(&session_ids(&app, &cohort).await);
    let statuses = ["accepted", "waitlisted", "pending", "withdrawn", "declined"];
    let participants = app.participants(statuses.len(), "137083", "teacher").await;

    for (status, (id, token)) in statuses.iter().zip(&participants) {
        enrol(&app, id, &cohort, status).await;
        let url = calendar_url(&app, token).await;
        let text = feed_text(&app, &path_of(&url)).await;
        let events = parse_ics(&text)["events"].as_array().unwrap().clone();
        if *status == "accepted" {
            assert_eq!(uids(&events), cohort_sessions, "{status}");
            assert!(text.contains("meet.example.invalid"), "{status}");
        } else {
            assert!(events.is_empty(), "{status}: {events:?}");
            assert!(!text.contains("meet.example.invalid"), "{status}");
        }
    }

    // The groups' lead: this year's (with their links), not the 2021/22 group out of the
    // window.
    let events = my_events(&app, &app.token(LEAD).await).await;
    assert_eq!(uids(&events), led_by_the_lcw_lead(&app).await);
    assert!(events.iter().any(|event| {
        event["description"]
            .as_str()
            .unwrap()
            .contains(&link_of(&cohort))
    }));
    // Another hub's lead leads none of them.
    let glow_lead_s = uids(&my_events(&app, &app.token(GLOW_LEAD).await).await);
    assert!(
        glow_lead_s
            .iter()
            .all(|uid| !events.iter().any(|event| event["uid"] == *uid))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn resetting_my_calendar_url_kills_the_old_one() {
    let app = TestApp::spawn_with_demo().await;
    let teacher = app.token(TEACHER).await;
    let teacher_id = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = $1",
            &[TEACHER],
        )
        .await;
    let old = calendar_url(&app, &teacher).await;
    assert_eq!(app.get(&path_of(&old)).await.status(), 200);

    let response = post(&app, &teacher, "/api/v1/me/calendar-url/reset", None).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let new = json_body(response, 200).await["url"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_ne!(new, old);
    assert_eq!(calendar_url(&app, &teacher).await, new);
    assert_problem_saying(app.get(&path_of(&old)).await, 404, NO_CALENDAR).await;
    assert_eq!(app.get(&path_of(&new)).await.status(), 200);
    assert_eq!(
        audit_count(&app, "user.calendar_url_reset", &teacher_id).await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_account_s_feed_is_gone_for_good() {
    let app = TestApp::spawn_with_demo().await;
    let lead = app.token(LEAD).await;
    let url = calendar_url(&app, &lead).await;
    assert_eq!(app.get(&path_of(&url)).await.status(), 200);

    app.execute(&format!(
        "UPDATE users SET disabled_at = now() WHERE email = '{LEAD}'"
    ))
    .await;
    assert_problem_saying(app.get(&path_of(&url)).await, 404, NO_CALENDAR).await;
    // Nor does a secret of the account's version now (made with the suite's signing key).
    let lead_id = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = $1",
            &[LEAD],
        )
        .await;
    let current = CalendarSecrets::new(&Secret::new(TEST_JWT_SECRET))
        .secret(uuid::Uuid::parse_str(&lead_id).unwrap(), 1);
    assert_problem_saying(
        app.get(&format!("/api/v1/calendars/{current}.ics")).await,
        404,
        NO_CALENDAR,
    )
    .await;

    // Enabled again, the account needs a new address: the old one may have leaked.
    app.execute(&format!(
        "UPDATE users SET disabled_at = NULL WHERE email = '{LEAD}'"
    ))
    .await;
    assert_problem_saying(app.get(&path_of(&url)).await, 404, NO_CALENDAR).await;
    let renewed = calendar_url(&app, &app.token(LEAD).await).await;
    assert_ne!(renewed, url);
    assert_eq!(app.get(&path_of(&renewed)).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_that_open_no_feed_all_answer_the_same_404() {
    let app = TestApp::spawn_with_demo().await;
    // Made with the suite's signing key, so well formed and correctly signed.
    let secrets = CalendarSecrets::new(&Secret::new(TEST_JWT_SECRET));
    let id_of = async |email: &str| {
        uuid::Uuid::parse_str(
            &app.query_text(
                "SELECT id::text AS value FROM users WHERE email = $1",
                &[email],
            )
            .await,
        )
        .unwrap()
    };
    let manager = id_of(MANAGER).await;
    let teacher = id_of(TEACHER).await;
    let secret_path = |secret: String| format!("/api/v1/calendars/{secret}.ics");
    let mangled = {
        let mut secret = secrets.secret(teacher, 0);
        let last = if secret.ends_with('A') { "B" } else { "A" };
        secret.replace_range(63.., last);
        secret
    };

    for path in [
        // Unknown account, or a mangled or malformed secret.
        secret_path(secrets.secret(uuid::Uuid::now_v7(), 0)),
        secret_path(secrets.secret(teacher, 1)),
        secret_path(mangled),
        secret_path("not-a-secret".into()),
        // A hub manager's: personal feeds are for participants and leads.
        secret_path(secrets.secret(manager, 0)),
    ] {
        let problem = assert_problem_saying(app.get(&path).await, 404, NO_CALENDAR).await;
        assert!(!problem.to_string().contains(&teacher.to_string()));
    }
    assert_eq!(
        app.get(&secret_path(secrets.secret(teacher, 0)))
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_participants_and_leads_get_a_calendar_url() {
    let app = TestApp::spawn_with_demo().await;
    for email in [
        MANAGER,
        "admin@demo.mathshub.invalid",
        "partner.lde@demo.mathshub.invalid",
    ] {
        let token = app.token(email).await;
        assert_problem_saying(
            app.send(Method::GET, "/api/v1/me/calendar-url", Some(&token), None)
                .await,
            403,
            "Personal calendar feeds are for participants",
        )
        .await;
    }
    assert_problem(app.get("/api/v1/me/calendar-url").await, 401).await;
}

#[test]
fn every_feed_is_documented_as_text_calendar() {
    let document: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let feeds: Vec<&String> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|path| path.ends_with(".ics"))
        .collect();
    assert_eq!(feeds.len(), 4, "{feeds:?}");
    for path in feeds {
        let answer = &document["paths"][path]["get"]["responses"]["200"]["content"];
        let example = answer["text/calendar"]["example"]
            .as_str()
            .unwrap_or_default();
        assert!(example.starts_with("BEGIN:VCALENDAR"), "{path}: {answer}");
        assert_eq!(document["paths"][path]["get"]["tags"], json!(["Calendars"]));
    }
}
