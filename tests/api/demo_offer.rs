//! The demo's offer, laid out from the day the demo is loaded on (pinned here, never read
//! from the wall clock), against a real database: groups open for expressions of interest
//! with their deadlines and sessions ahead, one group in each status that the status clock
//! leaves alone, sessions in their academic year at London wall-clock times; the offer made
//! current again later without touching what people did; and `mathshub serve` keeping a
//! demo loaded a year ago current.

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{SmallInt, Text, Timestamptz};
use mathshub::db::status_clock;
use mathshub::domain::{AcademicYear, session_times};
use mathshub::seed::demo;
use mathshub::seed::demo_offer::{self, OfferSummary, Slot};

use crate::demo_seed::snapshot;
use crate::helpers::{TestApp, events_of};
use crate::processes::ServeProcess;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// Mid-September, a day in the winter, a day in August, both sides of the change to British
/// Summer Time (01:00 UTC on 28 March 2027), and a leap day.
fn pinned_days() -> [DateTime<Utc>; 6] {
    [
        utc(2026, 9, 15, 11, 0),
        utc(2027, 1, 20, 16, 45),
        utc(2027, 8, 14, 9, 0),
        utc(2027, 3, 28, 0, 30),
        utc(2027, 3, 28, 1, 30),
        utc(2028, 2, 29, 12, 0),
    ]
}

/// An app over the demo loaded on `now`.
async fn demo_loaded_on(now: DateTime<Utc>) -> TestApp {
    let app = TestApp::spawn().await;
    demo::load(&mut app.database.connection().await, now)
        .await
        .expect("load the demo");
    app
}

async fn count_at(app: &TestApp, sql: &str, now: DateTime<Utc>) -> i64 {
    app.query_count(sql, &[&now.to_rfc3339()]).await
}

#[derive(QueryableByName)]
struct SessionInYear {
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Timestamptz)]
    starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    ends_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    academic_year: String,
    #[diesel(sql_type = SmallInt)]
    session_days: i16,
}

/// Every session of the demo breaks none of the rules a session written through the API
/// keeps: in its group's academic year, no longer than its project allows.
async fn assert_sessions_keep_their_rules(app: &TestApp) {
    use diesel_async::RunQueryDsl;
    let sessions: Vec<SessionInYear> = diesel::sql_query(
        "SELECT w.code, s.starts_at, s.ends_at, w.academic_year, p.session_days
           FROM sessions s JOIN work_groups w ON w.id = s.work_group_id
           JOIN projects p ON p.id = w.project_id",
    )
    .load(&mut app.database.connection().await)
    .await
    .expect("sessions");
    assert!(sessions.len() > 20);
    for session in sessions {
        let year = AcademicYear::parse(&session.academic_year).unwrap();
        let days = u16::try_from(session.session_days).unwrap();
        let problems = session_times::problems(session.starts_at, session.ends_at, days, &year);
        assert!(problems.is_empty(), "{}: {problems:?}", session.code);
    }
}

/// What a newcomer must meet on the demo at `now`.
async fn assert_offer_current(app: &TestApp, now: DateTime<Utc>) {
    assert_eq!(
        status_clock::tick_at(&app.pool, now).await.unwrap(),
        0,
        "{now}: the status clock moved a group"
    );
    assert_eq!(
        app.query_text(
            "SELECT string_agg(DISTINCT status, ',' ORDER BY status) AS value FROM work_groups",
            &[]
        )
        .await,
        "cancelled,closed,completed,draft,full,open,running",
        "{now}"
    );
    let open_ahead = count_at(
        app,
        "SELECT count(*) AS count FROM work_groups
          WHERE status = 'open' AND eoi_deadline > $1::timestamptz AND first_session_at > $1::timestamptz",
        now,
    )
    .await;
    assert!(open_ahead >= 4, "{now}: {open_ahead} open groups ahead");
    let taking_interest_too_late = count_at(
        app,
        "SELECT count(*) AS count FROM work_groups
          WHERE status IN ('open', 'full')
            AND (eoi_deadline <= $1::timestamptz OR first_session_at <= $1::timestamptz)",
        now,
    )
    .await;
    assert_eq!(taking_interest_too_late, 0, "{now}");
    assert_sessions_keep_their_rules(app).await;
    // London wall-clock times on both sides of every clock change: 09:30 is 09:30 in London.
    assert_eq!(
        app.query_text(
            "SELECT string_agg(DISTINCT to_char(s.starts_at AT TIME ZONE 'Europe/London', 'HH24:MI') || '-'
                                     || to_char(s.ends_at AT TIME ZONE 'Europe/London', 'HH24:MI'), ',') AS value
               FROM sessions s JOIN work_groups w ON w.id = s.work_group_id
              WHERE w.academic_year <> '2021/22'",
            &[]
        )
        .await,
        "09:00-17:00,09:30-14:30,09:30-15:30,16:00-17:30",
        "{now}"
    );
}

/// The sessions of the group `code` in the database, as UTC instants.
async fn session_times_of(app: &TestApp, code: &str) -> String {
    app.query_text(
        "SELECT string_agg(to_char(s.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') || '/'
                           || to_char(s.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI'), ' ' ORDER BY s.starts_at) AS value
           FROM sessions s JOIN work_groups w ON w.id = s.work_group_id WHERE w.code = $1",
        &[code],
    )
    .await
}

fn planned_times(group: &demo_offer::PlannedGroup) -> String {
    group
        .sessions
        .iter()
        .map(|session| {
            format!(
                "{}/{}",
                session.starts_at.format("%Y-%m-%dT%H:%M"),
                session.ends_at.format("%Y-%m-%dT%H:%M")
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_loaded_on_any_day_is_current_in_every_status() {
    for now in pinned_days() {
        let app = demo_loaded_on(now).await;

        assert_offer_current(&app, now).await;
        for group in demo_offer::plan(now) {
            assert_eq!(
                session_times_of(&app, &group.code).await,
                planned_times(&group),
                "{now}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn in_august_the_offer_is_of_the_academic_year_about_to_start() {
    let now = utc(2027, 8, 14, 9, 0);
    let app = demo_loaded_on(now).await;

    let open_years = app
        .query_text(
            "SELECT string_agg(DISTINCT academic_year, ',') AS value FROM work_groups WHERE status = 'open'",
            &[],
        )
        .await;

    assert_eq!(open_years, "2027/28");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_offer_made_current_weeks_later_is_current_again_and_keeps_what_people_did() {
    let loaded = utc(2026, 9, 15, 11, 0);
    let app = demo_loaded_on(loaded).await;
    let offer = demo_offer::plan(loaded);
    let code = |slot: Slot| {
        offer
            .iter()
            .find(|group| group.slot == slot)
            .unwrap()
            .code
            .clone()
    };
    let (lcw, lne, draft) = (
        code(Slot::SubjectLeadership),
        code(Slot::LneYears5To8),
        code(Slot::GlowYears5To8),
    );
    // A hub's own group beside the demo's, and the demo teacher's interest in the LCW cohort.
    app.execute(&format!(
        "INSERT INTO work_groups (id, hub_id, project_id, academic_year, code, title, phase, mode,
                capacity, admission, eoi_deadline, status)
         SELECT gen_random_uuid(), hub_id, project_id, academic_year, 'LCW26-15-09', 'Our own group',
                phase, mode, 10, admission, eoi_deadline, 'open'
           FROM work_groups WHERE code = '{lcw}';
         INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status)
         SELECT gen_random_uuid(), w.id, u.id, '137083', 'head_of_department', 'pending'
           FROM work_groups w, users u
          WHERE w.code = '{lcw}' AND u.email = 'teacher.twyford@demo.mathshub.invalid';"
    ))
    .await;
    // 25 days on, the server's clock has closed, run or completed the demo's groups whose
    // deadline or sessions have come (the LCW cohort's deadline among them).
    let later = loaded + Duration::days(25);
    assert!(status_clock::tick_at(&app.pool, later).await.unwrap() > 0);
    let own_group = "SELECT w::text AS value FROM work_groups w WHERE code = 'LCW26-15-09'";
    let own_before = app.query_text(own_group, &[]).await;
    let lcw_before = app
        .query_text(
            "SELECT status || ' ' || eoi_deadline::text AS value FROM work_groups WHERE code = $1",
            &[&lcw],
        )
        .await;

    let made = demo_offer::make_current(&mut app.database.connection().await, later)
        .await
        .unwrap();

    assert_eq!(made.created, 0, "{made:?}");
    assert!(made.renewed >= 5, "{made:?}");
    let plan = demo_offer::plan(later);
    let planned_lne = plan
        .iter()
        .find(|group| group.slot == Slot::LneYears5To8)
        .unwrap();
    assert_eq!(planned_lne.code, lne);
    assert_eq!(
        session_times_of(&app, &lne).await,
        planned_times(planned_lne)
    );
    // The clock closed it, the renewal opened it again: partners hear both.
    let lne_id = app
        .query_text(
            "SELECT id::text AS value FROM work_groups WHERE code = $1",
            &[&lne],
        )
        .await;
    assert_eq!(events_of(&app, &lne_id).await, "closed,opened");
    let draft_id = app
        .query_text(
            "SELECT id::text AS value FROM work_groups WHERE code = $1",
            &[&draft],
        )
        .await;
    assert_eq!(
        events_of(&app, &draft_id).await,
        "",
        "a draft is not public"
    );
    // The group a participant expressed interest in, and the hub's own, are left as they are.
    assert_eq!(
        app.query_text(
            "SELECT status || ' ' || eoi_deadline::text AS value FROM work_groups WHERE code = $1",
            &[&lcw],
        )
        .await,
        lcw_before
    );
    assert_eq!(app.query_text(own_group, &[]).await, own_before);
    assert_eq!(
        status_clock::tick_at(&app.pool, later).await.unwrap(),
        0,
        "every group is where its times put it"
    );
    let open_ahead = count_at(
        &app,
        "SELECT count(*) AS count FROM work_groups
          WHERE status = 'open' AND eoi_deadline > $1::timestamptz AND first_session_at > $1::timestamptz",
        later,
    )
    .await;
    assert!(open_ahead >= 3, "{open_ahead}");

    // Once current, making it current again changes nothing.
    let mut conn = app.database.connection().await;
    let before = snapshot(&mut conn).await;
    assert_eq!(
        demo_offer::make_current(&mut conn, later).await.unwrap(),
        OfferSummary::default()
    );
    assert_eq!(snapshot(&mut conn).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_year_on_the_offer_is_of_the_new_academic_year_beside_the_old() {
    let loaded = utc(2026, 9, 15, 11, 0);
    let app = demo_loaded_on(loaded).await;
    let a_year_on = utc(2027, 9, 15, 11, 0);
    status_clock::tick_at(&app.pool, a_year_on).await.unwrap();

    let made = demo_offer::make_current(&mut app.database.connection().await, a_year_on)
        .await
        .unwrap();

    assert_eq!(made.created, demo_offer::plan(a_year_on).len(), "{made:?}");
    assert_offer_current(&app, a_year_on).await;
    let by_year = app
        .query_text(
            "SELECT string_agg(academic_year || ':' || n, ',' ORDER BY academic_year) AS value
               FROM (SELECT academic_year, count(*) AS n FROM work_groups GROUP BY academic_year) y",
            &[],
        )
        .await;
    assert_eq!(by_year, "2021/22:5,2026/27:9,2027/28:9");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_lays_out_a_demo_loaded_a_year_ago_for_today() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    let a_year_ago = now - Duration::days(365);
    demo::load(&mut app.database.connection().await, a_year_ago)
        .await
        .expect("load the demo");
    // A server ran all year: its clock moved every group on.
    status_clock::tick_at(&app.pool, now).await.unwrap();

    let server = ServeProcess::start(&app.database.url, &[]).await;

    let open: serde_json::Value =
        reqwest::get(server.url("/api/v1/work-groups?status=open&limit=100"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let ahead: Vec<&serde_json::Value> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|group| {
            DateTime::parse_from_rfc3339(group["eoi_deadline"].as_str().unwrap()).unwrap() > now
        })
        .collect();
    assert!(ahead.len() >= 4, "{open}");
    for group in ahead {
        let id = group["id"].as_str().unwrap();
        let detail: serde_json::Value =
            reqwest::get(server.url(&format!("/api/v1/work-groups/{id}")))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        for session in detail["sessions"].as_array().unwrap() {
            let starts =
                DateTime::parse_from_rfc3339(session["starts_at"].as_str().unwrap()).unwrap();
            assert!(starts > now, "{detail}");
        }
    }
}
