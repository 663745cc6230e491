//! The pgbench scripts of `bench/run.sh` hold the exact SQL the handlers send, generated here
//! from the query code and checked against what the running API sends, so the benchmark can
//! never measure a query the handler no longer sends. When the queries change, regenerate:
//!
//! ```sh
//! MATHSHUB_UPDATE_BENCH_SQL=1 cargo test --test api bench_sql
//! ```

use std::path::PathBuf;
use std::sync::Mutex;

use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
use diesel::pg::Pg;
use diesel_async::AsyncConnection;
use mathshub::db::hubs::{self, HubFilter};
use mathshub::db::work_groups::{WorkGroupFilter, detail_query, list_query};
use mathshub::domain::{GssCode, WorkGroupStatus};
use uuid::Uuid;

use mathshub::auth::tokens::{Subject, TokenKeys};
use mathshub::config::Secret;
use mathshub::db::reach;
use mathshub::domain::scope::ReportScope;
use mathshub::domain::{AcademicYear, Role};

use crate::helpers::{TEST_JWT_SECRET, TestApp, TestDatabase};

/// Sample values, distinct from one another so each bind maps back to one variable. The
/// authority (the Isles of Scilly) and the id are ones no other test uses, so the statements
/// the API sends for them can be picked out of everything the test run sends.
const AUTHORITY: &str = "E06000053";
const WORK_GROUP: &str = "0193ffff-0000-7000-8000-00000000be7c";
/// The reach report's hub (made by the end-to-end test) and academic year.
const HUB: &str = "0193ffff-0000-7000-8000-00000000be7d";
const HUB_SLUG: &str = "bench-sample-hub";
const YEAR: &str = "2098/99";
/// The admin who asks for the report.
const ADMIN: &str = "0193ffff-0000-7000-8000-00000000be7e";
/// `limit=20` on the wire; handlers ask for one row more to know whether a next page exists.
const LIMIT: i64 = 20;

/// One pgbench script: the request it stands for, where its SQL comes from, the SQL text
/// with `$n` placeholders, and the variable each placeholder becomes.
struct Script {
    file: &'static str,
    request: String,
    source: &'static str,
    sql: String,
    variables: Vec<&'static str>,
}

/// The variable a bound value stands for, from its `Debug` form in `debug_query` output.
fn variable(bind: &str) -> Option<&'static str> {
    if bind == format!("{AUTHORITY:?}") {
        Some("la")
    } else if bind == format!("{:?}", WorkGroupStatus::Open.as_str()) {
        Some("status")
    } else if bind == (LIMIT + 1).to_string() {
        Some("limit")
    } else if bind == WORK_GROUP {
        Some("id")
    } else if bind == HUB {
        Some("hub")
    } else if bind == format!("{YEAR:?}") {
        Some("year")
    } else {
        None
    }
}

/// Splits `debug_query` output into the SQL text and its binds as variables; `None` when a
/// bind is not one of the sample values.
fn try_split_debug(debug: &str) -> Option<(String, Vec<&'static str>)> {
    let (sql, binds) = debug.split_once(" -- binds: ")?;
    let binds = binds.trim().trim_start_matches('[').trim_end_matches(']');
    let variables = binds
        .split(", ")
        .filter(|bind| !bind.is_empty())
        .map(variable)
        .collect::<Option<Vec<_>>>()?;
    Some((sql.to_owned(), variables))
}

fn split_debug(debug: &str) -> (String, Vec<&'static str>) {
    try_split_debug(debug).unwrap_or_else(|| {
        panic!(
            "a bind of this query is no benchmark variable (la, status, limit, id, hub, year): {debug}"
        )
    })
}

fn work_group_list_filter() -> WorkGroupFilter {
    WorkGroupFilter {
        status: Some(WorkGroupStatus::Open),
        local_authority: Some(GssCode::parse(AUTHORITY).expect("a GSS code")),
        ..WorkGroupFilter::default()
    }
}

fn work_group_id() -> Uuid {
    WORK_GROUP.parse().expect("a UUID")
}

/// The hubs query has no builder of its own to ask: record what `hubs::list` sends.
async fn hubs_list_statement() -> String {
    let database = TestDatabase::create().await;
    let mut conn = database.connection().await;
    let recorded = std::sync::Arc::new(Mutex::new(Vec::new()));
    let sink = recorded.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            sink.lock().expect("lock").push(query.to_string());
        }
    });
    let filter = HubFilter {
        local_authority: Some(GssCode::parse(AUTHORITY).expect("a GSS code")),
        ..HubFilter::default()
    };
    hubs::list(&mut conn, &filter, None, LIMIT + 1)
        .await
        .expect("list hubs");
    let mut statements = recorded.lock().expect("lock").clone();
    assert_eq!(statements.len(), 1, "{statements:?}");
    statements.remove(0)
}

/// The statements the reach report reads one hub's year with (its names aside, looked up
/// for what was counted): record what `db::reach` sends, in order.
async fn reach_statements() -> Vec<String> {
    let database = TestDatabase::create().await;
    let mut conn = database.connection().await;
    let recorded = std::sync::Arc::new(Mutex::new(Vec::new()));
    let sink = recorded.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            sink.lock().expect("lock").push(query.to_string());
        }
    });
    let year = AcademicYear::parse(YEAR).expect("a year");
    let scope = ReportScope::Hub(HUB.parse().expect("a UUID"));
    reach::hubs(&conn, &year, &scope).await.expect("hubs");
    reach::covers(&conn, &year, &scope).await.expect("covers");
    reach::projects(&conn, &year, &scope)
        .await
        .expect("projects");
    reach::engagements(&conn, &year, &scope)
        .await
        .expect("engagements");
    let statements = recorded.lock().expect("lock").clone();
    assert_eq!(statements.len(), 4, "{statements:?}");
    statements
}

async fn scripts() -> Vec<Script> {
    let list = list_query(&work_group_list_filter(), None, LIMIT + 1);
    let (_, list_variables) = split_debug(&diesel::debug_query::<Pg, _>(&list).to_string());
    let detail = detail_query(work_group_id());
    let (_, detail_variables) = split_debug(&diesel::debug_query::<Pg, _>(&detail).to_string());
    let (hubs_sql, hubs_variables) = split_debug(&hubs_list_statement().await);
    let reach_request =
        "GET /api/v1/reports/reach?academic_year=:year&hub=(the slug of :hub)".to_owned();
    let reach_scripts = ["reach_hubs.sql", "reach_covers.sql", "reach_projects.sql", "reach_engagements.sql"]
        .into_iter()
        .zip(reach_statements().await)
        .map(|(file, statement)| {
            let (sql, variables) = split_debug(&statement);
            Script {
                file,
                request: reach_request.clone(),
                source: "mathshub::db::reach (recorded through diesel's instrumentation; run in turn, the four read one hub's year)",
                sql,
                variables,
            }
        });
    let mut scripts = vec![
        Script {
            file: "work_groups_list.sql",
            request: "GET /api/v1/work-groups?local_authority=:la&status=open&limit=20".into(),
            source: "mathshub::db::work_groups::list_query",
            sql: list.to_sql(),
            variables: list_variables,
        },
        Script {
            file: "work_group_detail.sql",
            request: "GET /api/v1/work-groups/:id".into(),
            source: "mathshub::db::work_groups::detail_query",
            sql: detail.to_sql(),
            variables: detail_variables,
        },
        Script {
            file: "hubs_by_la.sql",
            request: "GET /api/v1/hubs?local_authority=:la".into(),
            source: "mathshub::db::hubs::list (recorded through diesel's instrumentation)",
            sql: hubs_sql,
            variables: hubs_variables,
        },
    ];
    scripts.extend(reach_scripts);
    scripts
}

/// `sql` with each `$n` replaced by `:name` of the n-th variable.
fn with_variables(sql: &str, variables: &[&str]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits: String = rest[at + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let n: usize = digits
            .parse()
            .unwrap_or_else(|_| panic!("a `$` that is no placeholder in {sql}"));
        let name = variables
            .get(n - 1)
            .unwrap_or_else(|| panic!("${n} has no bind in {sql}"));
        out.push(':');
        out.push_str(name);
        rest = &rest[at + 1 + digits.len()..];
    }
    out.push_str(rest);
    out
}

fn render(script: &Script) -> String {
    let mut names = script.variables.clone();
    names.sort_unstable();
    names.dedup();
    format!(
        "-- pgbench script for {request}: the SQL the handler sends,\n\
         -- from {source}, with its binds as variables.\n\
         -- Generated by tests/api/bench_sql.rs; do not edit (MATHSHUB_UPDATE_BENCH_SQL=1 cargo test --test api bench_sql).\n\
         -- Variables, given with pgbench -D: {names}\n\
         {sql};\n",
        request = script.request,
        source = script.source,
        names = names.join(" "),
        sql = with_variables(&script.sql, &script.variables),
    )
}

fn bench_sql_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/sql")
}

#[tokio::test(flavor = "multi_thread")]
async fn bench_sql_scripts_hold_the_sql_the_handlers_send() {
    let update = std::env::var_os("MATHSHUB_UPDATE_BENCH_SQL").is_some();
    let mut stale = Vec::new();
    for script in scripts().await {
        let path = bench_sql_dir().join(script.file);
        let expected = render(&script);
        if update {
            std::fs::create_dir_all(bench_sql_dir()).expect("create bench/sql");
            std::fs::write(&path, &expected).expect("write the script");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            stale.push(script.file);
        }
    }
    assert!(
        stale.is_empty(),
        "bench/sql/{{{}}} no longer hold the SQL the handlers send: regenerate with \
         `MATHSHUB_UPDATE_BENCH_SQL=1 cargo test --test api bench_sql`",
        stale.join(",")
    );
}

/// Statements sent by any connection of this test binary that mention the sample values.
static SENT: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record_sample_statements() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            if [AUTHORITY, WORK_GROUP, HUB, YEAR]
                .iter()
                .any(|sample| text.contains(sample))
            {
                SENT.lock().expect("lock").push(text);
            }
        }
    }))
}

/// End to end: the requests of the benchmarks, served over HTTP, send exactly the statements
/// of the scripts (the handler could call the query code differently).
#[tokio::test(flavor = "multi_thread")]
async fn handlers_send_the_statements_of_the_scripts() {
    // Arrange: connections opened from here on record statements naming the sample values.
    set_default_instrumentation(record_sample_statements).expect("instrumentation");
    let app = TestApp::spawn().await;
    app.execute(&format!(
        "INSERT INTO hubs (id, slug, name, region) VALUES ('{HUB}', '{HUB_SLUG}', 'Bench Sample Hub', 'London');
         INSERT INTO users (id, email, name, role) VALUES ('{ADMIN}', 'admin@bench.example', 'Bench Admin', 'admin');"
    ))
    .await;
    let admin = TokenKeys::new(&Secret::new(TEST_JWT_SECRET))
        .expect("a valid secret")
        .issue(Subject {
            sub: ADMIN.to_owned(),
            role: Role::Admin,
            hub: None,
            tsh: None,
            client_id: None,
            token_version: 0,
            session: None,
        });

    // Act
    for path in [
        format!("/api/v1/work-groups?local_authority={AUTHORITY}&status=open&limit={LIMIT}"),
        format!("/api/v1/work-groups/{WORK_GROUP}"),
        format!("/api/v1/hubs?local_authority={AUTHORITY}"),
        format!("/api/v1/reports/reach?academic_year={YEAR}&hub={HUB_SLUG}"),
    ] {
        let response = app
            .send(reqwest::Method::GET, &path, Some(&admin), None)
            .await;
        let status = response.status().as_u16();
        assert!(
            status == 200 || status == 404,
            "GET {path} answered {status}"
        );
    }

    // Assert
    let sent: Vec<(String, Vec<&'static str>)> = SENT
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|debug| try_split_debug(debug))
        .collect();
    for script in scripts().await {
        assert!(
            sent.iter()
                .any(|(sql, variables)| *sql == script.sql && *variables == script.variables),
            "{} was not sent as the script holds it; the API sent:\n{sent:#?}",
            script.request
        );
    }
}
