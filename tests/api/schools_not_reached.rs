//! The schools a hub has not reached, over HTTP on the demo data: the open schools of the
//! authorities the hub covers that never signed up, or not in the last few academic years,
//! filtered by authority and phase, as JSON pages and as CSV; and who may read it.

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_DISPOSITION, VARY};
use serde_json::Value;

use crate::helpers::{TestApp, assert_problem, next_cohort};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LIST: &str = "/api/v1/hubs/london-central-and-west/schools-not-reached";
const EALING: &str = "E09000009";
const BRENT: &str = "E09000005";

/// New schools of Ealing (covered by the LCW hub), by URN.
const NEVER: &str = "199001";
const LONG_AGO: &str = "199002";
const THIS_YEAR: &str = "199003";
const CLOSED: &str = "199004";
const ONLY_PENDING: &str = "199005";
/// A new school of an authority another hub covers.
const ELSEWHERE: &str = "199006";

/// Adds the schools above: one that never signed up, one that signed up in 2021/22 (its
/// participant withdrew since, which still counts), one that signed up in the demo's next
/// cohort, a closed one, one whose only enrolment is pending, and one beyond the hub's area.
async fn schools(app: &TestApp) {
    let cohort = next_cohort(app);
    let elsewhere = app
        .query_text(
            "SELECT c.la_code AS value FROM hub_local_authorities c JOIN hubs h ON h.id = c.hub_id \
              WHERE h.slug = 'glow' AND c.covered_until IS NULL ORDER BY c.la_code LIMIT 1",
            &[],
        )
        .await;
    let mut sql = format!(
        "INSERT INTO schools (urn, name, phase, la_code, status) VALUES
           ('{NEVER}', 'Never Primary School', 'primary', '{EALING}', 'open'),
           ('{LONG_AGO}', 'Long Ago High School', 'secondary', '{EALING}', 'open'),
           ('{THIS_YEAR}', 'This Year High School', 'secondary', '{EALING}', 'open'),
           ('{CLOSED}', 'Closed Primary School', 'primary', '{EALING}', 'closed'),
           ('{ONLY_PENDING}', '=Pending Primary School', 'primary', '{EALING}', 'open'),
           ('{ELSEWHERE}', 'Elsewhere Primary School', 'primary', '{elsewhere}', 'open');"
    );
    for (urn, group, status, accepted) in [
        (LONG_AGO, "LCW21-15-01", "withdrawn", "now()"),
        (THIS_YEAR, cohort.as_str(), "accepted", "now()"),
        (ONLY_PENDING, cohort.as_str(), "pending", "NULL"),
    ] {
        let user = uuid::Uuid::now_v7();
        sql.push_str(&format!(
            "INSERT INTO users (id, email, name, role, school_urn, role_in_school) \
             VALUES ('{user}', '{user}@school.example', 'Teacher {urn}', 'participant', '{urn}', 'teacher');
             INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, accepted_at) \
             SELECT gen_random_uuid(), id, '{user}', '{urn}', 'teacher', '{status}', {accepted} \
               FROM work_groups WHERE code = '{group}';"
        ));
    }
    app.execute(&sql).await;
}

async fn spawn() -> (TestApp, String) {
    let app = TestApp::spawn_with_demo().await;
    schools(&app).await;
    let manager = app.token(MANAGER).await;
    (app, manager)
}

/// The URNs of the items, and the last year each signed up, as `urn:year` (`-`: never).
fn listed(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            format!(
                "{}:{}",
                item["school"]["urn"].as_str().unwrap(),
                item["last_signed_up"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

/// The listed schools among those this suite added.
fn ours(items: &[Value]) -> Vec<String> {
    listed(items)
        .into_iter()
        .filter(|line| line.starts_with("1990"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_s_list_holds_the_open_schools_of_its_area_that_never_signed_up() {
    let (app, manager) = spawn().await;
    let all = app.walk_as(&manager, LIST, 100).await;
    assert_eq!(
        ours(&all),
        [format!("{NEVER}:-"), format!("{ONLY_PENDING}:-")]
    );
    assert!(all.iter().all(|item| item["last_signed_up"].is_null()));
    assert!(all.iter().all(|item| item["school"]["status"] == "open"));
    // Every school listed is in an authority the hub covers, in URN order.
    let covered = app
        .query_text(
            "SELECT string_agg(c.la_code, ',') AS value FROM hub_local_authorities c \
               JOIN hubs h ON h.id = c.hub_id \
              WHERE h.slug = 'london-central-and-west' AND c.covered_until IS NULL",
            &[],
        )
        .await;
    assert!(all.iter().all(|item| {
        covered.contains(
            item["school"]["local_authority"]["gss_code"]
                .as_str()
                .unwrap(),
        )
    }));
    let urns: Vec<&str> = all
        .iter()
        .map(|item| item["school"]["urn"].as_str().unwrap())
        .collect();
    assert!(urns.is_sorted(), "URN order");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_years_it_lists_the_schools_not_signed_up_lately_with_the_last_year_they_did() {
    let (app, manager) = spawn().await;
    let lately = app
        .walk_as(
            &manager,
            &format!("{LIST}?years=3&local_authority={EALING}"),
            100,
        )
        .await;
    assert_eq!(
        ours(&lately),
        [
            format!("{NEVER}:-"),
            format!("{LONG_AGO}:2021/22"),
            format!("{ONLY_PENDING}:-")
        ]
    );
    let primaries = app
        .walk_as(&manager, &format!("{LIST}?years=3&phase=primary"), 100)
        .await;
    assert_eq!(
        ours(&primaries),
        [format!("{NEVER}:-"), format!("{ONLY_PENDING}:-")]
    );
    let brent = app
        .walk_as(&manager, &format!("{LIST}?local_authority={BRENT}"), 100)
        .await;
    assert!(ours(&brent).is_empty(), "{brent:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn as_csv_the_whole_list_comes_as_one_file_named_after_the_hub_and_span() {
    let (app, manager) = spawn().await;
    let path = format!("{LIST}?years=3&local_authority={EALING}");
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(&manager)
        .header(ACCEPT, "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[CONTENT_DISPOSITION],
        "attachment; filename=\"schools-not-reached-london-central-and-west-3-years.csv\""
    );
    assert!(
        response.headers()[VARY]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("accept")
    );
    let text = response.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "urn,name,phase,local_authority_code,local_authority_name,district_code,district_name,postcode,last_signed_up"
        )
    );
    let json = app.walk_as(&manager, &path, 100).await;
    assert_eq!(
        lines.clone().count(),
        json.len(),
        "the same schools as the JSON"
    );
    assert!(text.contains(&format!(
        "{LONG_AGO},Long Ago High School,secondary,{EALING},Ealing,,,,2021/22"
    )));
    // A name a spreadsheet would run as a formula is made text.
    assert!(text.contains(&format!("{ONLY_PENDING},'=Pending Primary School,primary")));

    let paged = app
        .client
        .get(format!("{}{path}&limit=5", app.address))
        .bearer_auth(&manager)
        .header(ACCEPT, "text/csv")
        .send()
        .await
        .unwrap();
    assert_problem(paged, 400).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_hub_s_managers_and_admins_read_it_and_bad_filters_answer_400() {
    let (app, manager) = spawn().await;
    let get = |path: String, token: Option<String>| {
        let app = &app;
        async move { app.send(Method::GET, &path, token.as_deref(), None).await }
    };
    let admin = app.token("admin@demo.mathshub.invalid").await;
    for email in [
        "teacher.twyford@demo.mathshub.invalid",
        "lead.lcw@demo.mathshub.invalid",
        "partner.lde@demo.mathshub.invalid",
    ] {
        let token = app.token(email).await;
        assert_problem(get(LIST.into(), Some(token)).await, 403).await;
    }
    assert_problem(get(LIST.into(), None).await, 401).await;
    let glow = "/api/v1/hubs/glow/schools-not-reached".to_owned();
    assert_problem(get(glow.clone(), Some(manager.clone())).await, 403).await;
    let glow_list = app.walk_as(&admin, &glow, 100).await;
    assert!(ours(&glow_list).contains(&format!("{ELSEWHERE}:-")));
    let unknown = "/api/v1/hubs/no-such-hub/schools-not-reached".to_owned();
    assert_problem(get(unknown.clone(), Some(admin.clone())).await, 404).await;
    assert_problem(get(unknown, Some(manager.clone())).await, 403).await;
    for query in [
        "years=0",
        "years=21",
        "years=two",
        "phase=college",
        "local_authority=Ealing",
        "region=London",
    ] {
        let response = get(format!("{LIST}?{query}"), Some(manager.clone())).await;
        assert_problem(response, 400).await;
    }
}
