//! The demo data loader against a real database: idempotent, complete, and faithful to the
//! source documents (coverage, partnerships, the NCP21-15 project and its London-time sessions,
//! the documents' 2021/22 groups completed). The offer of today is `demo_offer`'s.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mathshub::db::migrate::quote_identifier;
use mathshub::seed::demo::{self, DemoSummary};

use crate::helpers::TestApp;

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    table_name: String,
}

#[derive(QueryableByName, Debug, PartialEq)]
pub(crate) struct TableSnapshot {
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = Text)]
    digest: String,
}

/// Every table's row count and a digest of its rows (every column, `updated_at` included).
pub(crate) async fn snapshot(conn: &mut AsyncPgConnection) -> Vec<(String, TableSnapshot)> {
    let tables: Vec<TableName> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .load(conn)
    .await
    .expect("list tables");
    let mut snapshots = Vec::new();
    for TableName { table_name } in tables {
        let sql = format!(
            "SELECT count(*) AS rows, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS digest FROM {} t",
            quote_identifier(&table_name)
        );
        let snapshot: TableSnapshot = diesel::sql_query(sql)
            .get_result(conn)
            .await
            .expect("snapshot a table");
        snapshots.push((table_name, snapshot));
    }
    snapshots
}

#[tokio::test(flavor = "multi_thread")]
async fn load_changes_nothing_when_run_a_second_time() {
    use chrono::TimeZone;
    let app = TestApp::spawn().await;
    let mut conn = app.database.connection().await;
    let morning = chrono::Utc.with_ymd_and_hms(2027, 1, 20, 8, 0, 0).unwrap();
    let first = demo::load(&mut conn, morning).await.expect("first load");
    let before = snapshot(&mut conn).await;

    let afternoon = morning + chrono::Duration::hours(8);
    let second = demo::load(&mut conn, afternoon).await.expect("second load");

    assert_eq!(first.local_authorities, 317);
    assert_eq!(
        (
            first.hubs,
            first.work_groups,
            first.sessions,
            first.offer.created
        ),
        (4, 5, 12, 9),
        "{first:?}"
    );
    assert_eq!(second, DemoSummary::default(), "the second load wrote rows");
    assert_eq!(snapshot(&mut conn).await, before);
}

#[derive(QueryableByName)]
struct AuthorityCounts {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    districts: i64,
    #[diesel(sql_type = BigInt)]
    districts_in_counties: i64,
}

#[tokio::test(flavor = "multi_thread")]
async fn load_brings_every_local_authority_when_the_database_is_empty() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.database.connection().await;

    let counts: AuthorityCounts = diesel::sql_query(
        "SELECT count(*) AS total,
                count(*) FILTER (WHERE la.kind = 'district') AS districts,
                count(*) FILTER (WHERE parent.kind = 'county') AS districts_in_counties
           FROM local_authorities la LEFT JOIN local_authorities parent ON parent.gss_code = la.parent_gss_code",
    )
    .get_result(&mut conn)
    .await
    .expect("count authorities");

    assert_eq!(counts.total, 317);
    assert_eq!(counts.districts, 164);
    assert_eq!(counts.districts_in_counties, 164);
    let list = app
        .get_json("/api/v1/local-authorities?kind=county&limit=100", 200)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 21);
}

#[derive(QueryableByName, Debug, PartialEq)]
struct HubCoverage {
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = Nullable<Text>)]
    contact_email: Option<String>,
    #[diesel(sql_type = Text)]
    authorities: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn load_creates_the_four_hubs_with_their_named_authorities_when_run() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.database.connection().await;

    let hubs: Vec<HubCoverage> = diesel::sql_query(
        "SELECT h.slug, h.region, h.contact_email,
                string_agg(la.name, ', ' ORDER BY la.name) AS authorities
           FROM hubs h
           JOIN hub_local_authorities c ON c.hub_id = h.id AND c.covered_until IS NULL
           JOIN local_authorities la ON la.gss_code = c.la_code
          GROUP BY h.id ORDER BY h.slug",
    )
    .load(&mut conn)
    .await
    .expect("hubs and coverage");

    let hub =
        |slug: &str, region: &str, contact_email: Option<&str>, authorities: &str| HubCoverage {
            slug: slug.into(),
            region: region.into(),
            contact_email: contact_email.map(Into::into),
            authorities: authorities.into(),
        };
    assert_eq!(
        hubs,
        [
            hub(
                "cheshire-and-wirral",
                "North West",
                None,
                "Cheshire East, Cheshire West and Chester, Halton, Wirral"
            ),
            hub("glow", "South West", None, "Gloucestershire"),
            hub(
                "london-central-and-west",
                "London",
                Some("admin@lcwmathshub.co.uk"),
                "Brent, Ealing, Hammersmith and Fulham, Harrow, Hillingdon, Hounslow, Kensington and Chelsea"
            ),
            hub(
                "london-north-east",
                "London",
                None,
                "Barking and Dagenham, Hackney, Havering, Newham"
            ),
        ]
    );
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Partnership {
    #[diesel(sql_type = Text)]
    hub: String,
    #[diesel(sql_type = Text)]
    teaching_school_hub: String,
    #[diesel(sql_type = Text)]
    area: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn load_partners_london_north_east_with_two_teaching_school_hubs_when_run() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.database.connection().await;

    let partnerships: Vec<Partnership> = diesel::sql_query(
        "SELECT h.slug AS hub, t.slug AS teaching_school_hub,
                (SELECT string_agg(a.la_code, ',' ORDER BY a.la_code) FROM teaching_school_hub_areas a
                  WHERE a.teaching_school_hub_id = t.id) AS area
           FROM hub_partnerships p
           JOIN hubs h ON h.id = p.hub_id
           JOIN teaching_school_hubs t ON t.id = p.teaching_school_hub_id
          ORDER BY t.slug",
    )
    .load(&mut conn)
    .await
    .expect("partnerships");

    let partnership = |tsh: &str, area: &str| Partnership {
        hub: "london-north-east".into(),
        teaching_school_hub: tsh.into(),
        area: area.into(),
    };
    assert_eq!(
        partnerships,
        [
            partnership("east-london", "E09000012"),
            partnership("london-district-east", "E09000002,E09000016,E09000025")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_local_authority_shows_glow_when_the_district_is_in_gloucestershire() {
    let app = TestApp::spawn_with_demo().await;

    let body = app
        .get_json("/api/v1/local-authorities/E07000079", 200)
        .await;

    assert_eq!(body["name"], "Cotswold");
    assert_eq!(body["kind"], "district");
    assert_eq!(body["parent"]["gss_code"], "E10000013");
    assert_eq!(body["hub"]["slug"], "glow", "{body}");
}

#[derive(QueryableByName, Debug, PartialEq)]
struct ProjectFacts {
    #[diesel(sql_type = Text)]
    facts: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn load_records_ncp21_15_as_document_004_describes_it_when_run() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.database.connection().await;

    let project: ProjectFacts = diesel::sql_query(
        "SELECT concat_ws(' | ', kind, title, academic_year, phases::text, roles_allowed::text,
                          roles_excluded::text, school_phases::text, length, cost_pence,
                          non_attendance_fee_pence, cancellation_notice_days,
                          requires_completed_id IS NULL, follows_id IS NULL) AS facts
           FROM projects WHERE code = 'NCP21-15'",
    )
    .get_result(&mut conn)
    .await
    .expect("NCP21-15");

    assert_eq!(
        project.facts,
        "national | Secondary Subject Leadership | 2021/22 | {secondary} | {head_of_department} | \
         {prospective_head_of_department} | {secondary,all_through} | the equivalent of three days | 0 | 7500 | 7 | \
         t | t"
    );
    let sustaining: ProjectFacts = diesel::sql_query(
        "SELECT concat_ws(' | ', s.academic_year, r.code, r.academic_year, f.code) AS facts
           FROM projects s
           JOIN projects r ON r.id = s.requires_completed_id
           JOIN projects f ON f.id = s.follows_id
          WHERE s.title = 'Teaching for Mastery: Sustaining'",
    )
    .get_result(&mut conn)
    .await
    .expect("Sustaining requires Embedding");
    assert_eq!(sustaining.facts, "2021/22 | NCP20-92 | 2020/21 | NCP20-92");
}

#[derive(QueryableByName, Debug, PartialEq)]
struct SessionTimes {
    #[diesel(sql_type = Text)]
    london_start: String,
    #[diesel(sql_type = Text)]
    london_end: String,
    #[diesel(sql_type = Text)]
    utc_start: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Nullable<Text>)]
    venue_postcode: Option<String>,
    #[diesel(sql_type = Bool)]
    has_joining_link: bool,
}

#[tokio::test(flavor = "multi_thread")]
async fn lcw_sessions_start_at_0930_london_time_when_loaded() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.database.connection().await;

    let sessions: Vec<SessionTimes> = diesel::sql_query(
        "SELECT to_char(s.starts_at AT TIME ZONE 'Europe/London', 'HH24:MI') AS london_start,
                to_char(s.ends_at AT TIME ZONE 'Europe/London', 'HH24:MI') AS london_end,
                to_char(s.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS utc_start,
                s.mode, s.venue_postcode, s.joining_link IS NOT NULL AS has_joining_link
           FROM sessions s JOIN work_groups w ON w.id = s.work_group_id
          WHERE w.code = 'LCW21-15-01' ORDER BY s.starts_at",
    )
    .load(&mut conn)
    .await
    .expect("LCW sessions");

    let session = |utc_start: &str, mode: &str, venue_postcode: Option<&str>| SessionTimes {
        london_start: "09:30".into(),
        london_end: "14:30".into(),
        utc_start: utc_start.into(),
        mode: mode.into(),
        venue_postcode: venue_postcode.map(Into::into),
        has_joining_link: mode == "online",
    };
    assert_eq!(
        sessions,
        [
            session("2021-11-17 09:30", "face_to_face", Some("W3 9PP")),
            session("2022-02-03 09:30", "online", None),
            // British Summer Time: 09:30 in London is 08:30 UTC.
            session("2022-05-25 08:30", "face_to_face", Some("W3 9PP")),
        ]
    );
}

#[derive(QueryableByName, Debug, PartialEq)]
struct WorkGroupSpan {
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Integer)]
    session_count: i32,
    /// First and last session dates in London, kept by the sessions trigger.
    #[diesel(sql_type = Nullable<Text>)]
    span: Option<String>,
    #[diesel(sql_type = Text)]
    lead: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn load_gives_each_documented_group_its_placeholder_lead_and_session_span_completed() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.database.connection().await;

    let groups: Vec<WorkGroupSpan> = diesel::sql_query(
        "SELECT w.code, w.session_count, u.name AS lead,
                to_char(w.first_session_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD')
                  || ' to ' || to_char(w.last_session_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD') AS span
           FROM work_groups w
           JOIN work_group_leads l ON l.work_group_id = w.id AND l.role = 'work_group_lead'
           JOIN users u ON u.id = l.user_id
          WHERE w.status = 'completed' AND w.academic_year = '2021/22'
          ORDER BY w.code",
    )
    .load(&mut conn)
    .await
    .expect("work groups");

    let group = |code: &str, session_count: i32, span: Option<&str>, lead: &str| WorkGroupSpan {
        code: code.into(),
        session_count,
        span: span.map(Into::into),
        lead: lead.into(),
    };
    let glow = "Demo Lead (GLOW Post-16)";
    assert_eq!(
        groups,
        [
            group("GLOW21-91-01", 3, Some("2021-10-14 to 2022-06-16"), glow),
            group("GLOW21-93-01", 2, Some("2021-11-11 to 2022-03-10"), glow),
            group("GLOW21-94-01", 2, Some("2021-11-25 to 2022-03-24"), glow),
            group("GLOW21-94-02", 2, Some("2021-12-02 to 2022-04-28"), glow),
            group(
                "LCW21-15-01",
                3,
                Some("2021-11-17 to 2022-05-25"),
                "Demo Lead (LCW)"
            ),
        ]
    );
}
