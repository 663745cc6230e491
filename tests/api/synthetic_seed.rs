//! The synthetic data loader against a real database: every table filled to the sizes asked,
//! every education authority covered once, the catalogue serving the data, a second load
//! replacing the first, and a database with data of its own refused.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mathshub::seed::synthetic::{self, SyntheticSizes};

use crate::helpers::TestApp;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Code {
    #[diesel(sql_type = Text)]
    code: String,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .n
}

async fn code(conn: &mut AsyncPgConnection, sql: &str) -> String {
    diesel::sql_query(sql)
        .get_result::<Code>(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .code
}

fn small() -> SyntheticSizes {
    SyntheticSizes {
        hubs: 3,
        schools: 50,
        academic_years: 2,
        work_groups_per_year: 20,
        sessions_per_group: 3,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn load_fills_every_table_to_the_sizes_asked() {
    // Arrange
    let app = TestApp::spawn().await;
    let mut conn = app.database.connection().await;

    // Act
    let summary = synthetic::load(&mut conn, &small()).await.expect("load");

    // Assert
    assert_eq!(summary.local_authorities, 317);
    assert_eq!(summary.replaced_work_groups, 0);
    assert_eq!(summary.hubs, 3);
    assert_eq!(summary.hub_local_authorities, 153);
    assert_eq!(summary.schools, 50);
    assert_eq!(summary.projects, 2 * 4);
    assert_eq!(summary.leads, 3 * 10);
    assert_eq!(summary.llme_profiles, 30);
    assert_eq!(summary.work_groups, 40);
    assert_eq!(summary.work_group_leads, 40);
    assert_eq!(summary.sessions, 120);
    assert_eq!(summary.teaching_school_hubs, 87);
    // Every authority but the 21 counties, in one area each.
    assert_eq!(summary.teaching_school_hub_areas, 317 - 21);
    assert!(summary.participants > 0 && summary.enrolments > 0 && summary.attendance > 0);
    for (sql, expected) in [
        ("SELECT count(*) AS n FROM hubs", 3),
        ("SELECT count(*) AS n FROM schools", 50),
        ("SELECT count(*) AS n FROM projects", 8),
        ("SELECT count(*) AS n FROM users WHERE role = 'lead'", 30),
        ("SELECT count(*) AS n FROM work_groups", 40),
        ("SELECT count(*) AS n FROM sessions", 120),
        // The sessions trigger filled each group's span and count.
        (
            "SELECT count(*) AS n FROM work_groups WHERE session_count = 3 AND first_session_at < last_session_at",
            40,
        ),
        (
            "SELECT count(*) AS n FROM schools s JOIN local_authorities la ON la.gss_code = s.la_code
              WHERE la.kind = 'county' AND s.district_code IS NULL",
            0,
        ),
        ("SELECT count(*) AS n FROM teaching_school_hubs", 87),
        // The places each group counts are its enrolments holding one, as the engine keeps them.
        (
            "SELECT count(*) AS n FROM work_groups w
              WHERE w.accepted_count <> (SELECT count(*) FROM enrolments e
                     WHERE e.work_group_id = w.id AND e.status IN ('accepted', 'completed'))",
            0,
        ),
        // Attendance is only ever recorded for places, and only in groups that have met.
        (
            "SELECT count(*) AS n FROM attendance a JOIN enrolments e ON e.id = a.enrolment_id
               JOIN work_groups w ON w.id = e.work_group_id
              WHERE e.accepted_at IS NULL OR w.status NOT IN ('running', 'completed')",
            0,
        ),
    ] {
        assert_eq!(count(&mut conn, sql).await, expected, "{sql}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn load_covers_every_education_authority_exactly_once() {
    let app = TestApp::spawn().await;
    let mut conn = app.database.connection().await;

    synthetic::load(&mut conn, &small()).await.expect("load");

    let education_authorities = count(
        &mut conn,
        "SELECT count(*) AS n FROM local_authorities WHERE kind <> 'district'",
    )
    .await;
    assert_eq!(education_authorities, 153);
    let covered_once = count(
        &mut conn,
        "SELECT count(*) AS n FROM local_authorities la
          WHERE la.kind <> 'district'
            AND (SELECT count(*) FROM hub_local_authorities c
                  WHERE c.la_code = la.gss_code AND c.covered_until IS NULL) = 1",
    )
    .await;
    assert_eq!(covered_once, 153);
    let hubs_without_area = count(
        &mut conn,
        "SELECT count(*) AS n FROM hubs h
          WHERE NOT EXISTS (SELECT 1 FROM hub_local_authorities c WHERE c.hub_id = h.id)",
    )
    .await;
    assert_eq!(hubs_without_area, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogue_lists_open_groups_of_the_hub_covering_an_authority() {
    // Arrange
    let app = TestApp::spawn().await;
    let mut conn = app.database.connection().await;
    synthetic::load(&mut conn, &small()).await.expect("load");
    let authority = code(
        &mut conn,
        "SELECT c.la_code AS code FROM hub_local_authorities c JOIN hubs h ON h.id = c.hub_id
          WHERE h.slug = 'synthetic-hub-02' ORDER BY c.la_code LIMIT 1",
    )
    .await;

    // Act
    let page = app
        .get_json(
            &format!("/api/v1/work-groups?local_authority={authority}&status=open&limit=20"),
            200,
        )
        .await;
    let hubs = app
        .get_json(&format!("/api/v1/hubs?local_authority={authority}"), 200)
        .await;

    // Assert
    let items = page["items"].as_array().expect("items");
    assert!(!items.is_empty(), "no open groups for {authority}: {page}");
    for item in items {
        assert_eq!(item["hub"]["slug"], "synthetic-hub-02", "{item}");
        assert_eq!(item["status"], "open");
        assert!(item["places_left"].as_i64().is_some_and(|left| left > 0));
        assert_eq!(item["leads"].as_array().map(Vec::len), Some(1));
    }
    let hubs = hubs["items"].as_array().expect("items");
    assert_eq!(hubs.len(), 1);
    assert_eq!(hubs[0]["slug"], "synthetic-hub-02");

    let id = items[0]["id"].as_str().expect("id");
    let group = app
        .get_json(&format!("/api/v1/work-groups/{id}"), 200)
        .await;
    assert_eq!(group["sessions"].as_array().map(Vec::len), Some(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_load_replaces_the_first() {
    let app = TestApp::spawn().await;
    let mut conn = app.database.connection().await;
    synthetic::load(&mut conn, &small())
        .await
        .expect("first load");

    let sizes = SyntheticSizes {
        hubs: 5,
        work_groups_per_year: 10,
        ..small()
    };
    let summary = synthetic::load(&mut conn, &sizes)
        .await
        .expect("second load");

    assert_eq!(summary.replaced_work_groups, 40);
    assert_eq!(summary.local_authorities, 0);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM hubs").await, 5);
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM work_groups").await,
        20
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM sessions").await,
        60
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM hub_local_authorities").await,
        153
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM users WHERE role = 'lead'"
        )
        .await,
        50
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM teaching_school_hubs").await,
        87
    );
    // The first load's enrolments and attendance went with its groups.
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM enrolments").await,
        summary.enrolments as i64
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM attendance").await,
        summary.attendance as i64
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn load_refuses_a_database_with_data_of_its_own() {
    // Arrange
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.database.connection().await;
    let groups_before = count(&mut conn, "SELECT count(*) AS n FROM work_groups").await;

    // Act
    let error = synthetic::load(&mut conn, &small())
        .await
        .expect_err("a demo database is refused");

    // Assert
    let message = error.to_string();
    assert!(
        message.contains("refusing to load synthetic data") && message.contains("work groups"),
        "{message}"
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM work_groups").await,
        groups_before
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM hubs WHERE slug LIKE 'synthetic-%'"
        )
        .await,
        0
    );
}
