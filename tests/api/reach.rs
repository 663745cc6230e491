//! The reach report over HTTP, against a hand-built fixture whose answers are worked out
//! below: two hubs' work groups of 2021/22 (and one of 2020/21 that must not count), schools
//! in London boroughs and in a district of Gloucestershire, open and closed, of two phases;
//! a project counting participation at one session and one at half the sessions; referrals
//! from two Teaching School Hubs and none; enrolments waitlisted, declined, pending and
//! withdrawn before acceptance that must not count, and one withdrawn after it that must.

use std::collections::HashMap;

use mathshub::auth::tokens::{Subject, TokenKeys};
use mathshub::config::Secret;
use mathshub::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TEST_JWT_SECRET, TestApp, assert_problem, invalid_fields, json_body};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const LCW_MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LCW_LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";

const LCW: &str = "london-central-and-west";
const LNE: &str = "london-north-east";
const LDE: &str = "london-district-east";
const EAST_LONDON: &str = "east-london";
/// A Teaching School Hub made here, whose area is one district: Cotswold, in Gloucestershire.
const COTSWOLD_TSH: &str = "cotswold";
const COTSWOLD_TSH_ID: &str = "0193ffff-0000-7000-8000-0000000c0701";
const COTSWOLD_PARTNER_ID: &str = "0193ffff-0000-7000-8000-0000000c0702";

const YEAR: &str = "2021/22";
const REPORT: &str = "/api/v1/reports/reach?academic_year=2021/22";

/// Schools the fixture adds: (URN, phase, authority, district, status). Twyford (137083,
/// Ealing, secondary) and Chipping Campden (900001, Gloucestershire in the district of
/// Cotswold, secondary) are the demo's.
const SCHOOLS: &[(&str, &str, &str, Option<&str>, &str)] = &[
    ("200001", "primary", "E09000009", None, "open"), // Ealing
    ("200002", "secondary", "E09000009", None, "closed"), // Ealing
    ("200003", "secondary", "E09000005", None, "open"), // Brent
    ("200004", "secondary", "E09000009", None, "open"), // Ealing
    ("200007", "primary", "E09000005", None, "open"), // Brent
    ("300001", "secondary", "E09000025", None, "open"), // Newham
    ("300002", "primary", "E09000025", None, "open"), // Newham
    ("300003", "primary", "E09000012", None, "open"), // Hackney
    ("300004", "all_through", "E09000002", None, "open"), // Barking and Dagenham
    ("300005", "secondary", "E09000016", None, "open"), // Havering
    ("300006", "secondary", "E09000025", None, "open"), // Newham
    (
        "900005",
        "secondary",
        "E10000013",
        Some("E07000082"),
        "open",
    ), // Gloucestershire (Stroud)
];

/// Work groups the fixture adds: (code, hub, project, academic year, sessions). The demo's
/// LCW21-15-01 (NCP21-15, three sessions, led by the LCW lead) is the fifth; NCP21-94 counts
/// participation at half the sessions, NCP21-15 at one.
const GROUPS: &[(&str, &str, &str, &str, usize)] = &[
    ("LCW21-94-01", LCW, "NCP21-94", "2021/22", 4),
    ("LNE21-15-01", LNE, "NCP21-15", "2021/22", 2),
    ("LNE21-94-01", LNE, "NCP21-94", "2021/22", 4),
    ("LNE20-92-01", LNE, "NCP20-92", "2020/21", 1),
];

/// One enrolment: who, where, its status, whether it was accepted at some point, the
/// referrer, and the sessions (1-based) it was present, absent and gave apologies at.
struct Enrolment {
    person: &'static str,
    group: &'static str,
    school: &'static str,
    status: &'static str,
    accepted: bool,
    referred_by: Option<&'static str>,
    present: &'static [usize],
    absent: &'static [usize],
}

const fn enrolment(
    person: &'static str,
    group: &'static str,
    school: &'static str,
    status: &'static str,
    referred_by: Option<&'static str>,
    present: &'static [usize],
) -> Enrolment {
    let accepted = matches!(status.as_bytes(), b"accepted" | b"completed");
    Enrolment {
        person,
        group,
        school,
        status,
        accepted,
        referred_by,
        present,
        absent: &[],
    }
}

const ENROLMENTS: &[Enrolment] = &[
    // London Central and West.
    enrolment("P1", "LCW21-15-01", "137083", "accepted", Some(LDE), &[1]),
    Enrolment {
        absent: &[1],
        ..enrolment("P1", "LCW21-94-01", "137083", "accepted", None, &[])
    },
    enrolment("P2", "LCW21-15-01", "137083", "accepted", None, &[]),
    // Two of four sessions: half, as NCP21-94 asks.
    enrolment(
        "P3",
        "LCW21-94-01",
        "200001",
        "accepted",
        Some(EAST_LONDON),
        &[1, 2],
    ),
    // One of four: below half. The school has closed since.
    Enrolment {
        absent: &[2],
        ..enrolment("P4", "LCW21-94-01", "200002", "accepted", None, &[1])
    },
    // Withdrawn after acceptance, having been present once: signed up and participating.
    Enrolment {
        accepted: true,
        ..enrolment("P5", "LCW21-15-01", "200003", "withdrawn", None, &[1])
    },
    enrolment("P6", "LCW21-94-01", "900001", "completed", None, &[1, 2, 3]),
    // None of these was ever accepted.
    enrolment("P7", "LCW21-15-01", "200001", "waitlisted", None, &[]),
    enrolment("P8", "LCW21-94-01", "200003", "declined", Some(LDE), &[]),
    enrolment("P9", "LCW21-15-01", "200004", "withdrawn", None, &[]),
    enrolment("P10", "LCW21-94-01", "200007", "pending", None, &[]),
    // A Newham school, in London District East's area, with London Central and West.
    enrolment("Q8", "LCW21-94-01", "300002", "accepted", Some(LDE), &[]),
    // London North East.
    enrolment("Q1", "LNE21-15-01", "300001", "accepted", Some(LDE), &[1]),
    enrolment("Q2", "LNE21-94-01", "300001", "accepted", Some(LDE), &[1]),
    enrolment(
        "Q3",
        "LNE21-94-01",
        "300002",
        "completed",
        Some(EAST_LONDON),
        &[1, 2],
    ),
    enrolment("Q4", "LNE21-15-01", "300003", "accepted", None, &[]),
    enrolment("Q5", "LNE21-15-01", "300004", "waitlisted", None, &[]),
    enrolment("Q6", "LNE21-94-01", "300004", "declined", None, &[]),
    // Another academic year.
    enrolment("Q7", "LNE20-92-01", "300005", "completed", None, &[1]),
];

/// The demo, the fixture above, and a partner account of the Cotswold Teaching School Hub.
async fn spawn_with_fixture() -> TestApp {
    let app = TestApp::spawn_with_demo().await;
    let mut sql = String::from(
        "UPDATE projects SET participation_min_percent = 50 WHERE code = 'NCP21-94';\n",
    );
    for (urn, phase, authority, district, status) in SCHOOLS {
        let district = district.map_or("NULL".to_owned(), |code| format!("'{code}'"));
        sql.push_str(&format!(
            "INSERT INTO schools (urn, name, phase, la_code, district_code, status) \
             VALUES ('{urn}', 'Reach School {urn}', '{phase}', '{authority}', {district}, '{status}');\n"
        ));
    }
    for (code, hub, project, year, sessions) in GROUPS {
        let start: i32 = year[..4].parse().unwrap();
        sql.push_str(&format!(
            "INSERT INTO work_groups (id, hub_id, project_id, academic_year, code, title, phase, mode, \
                    capacity, admission, eoi_deadline, status) \
             SELECT gen_random_uuid(), h.id, p.id, p.academic_year, '{code}', p.title, 'secondary', \
                    'online', 30, 'review', '{start}-10-01T00:00:00Z', 'running' \
               FROM hubs h, projects p WHERE h.slug = '{hub}' AND p.code = '{project}' \
                AND p.academic_year = '{year}';\n\
             INSERT INTO sessions (id, work_group_id, kind, mode, starts_at, ends_at) \
             SELECT gen_random_uuid(), w.id, 'workshop', 'online', \
                    timestamptz '{start}-11-01 09:30Z' + n * interval '7 days', \
                    timestamptz '{start}-11-01 12:30Z' + n * interval '7 days' \
               FROM work_groups w, generate_series(0, {sessions} - 1) AS n WHERE w.code = '{code}';\n"
        ));
    }
    for person in ENROLMENTS
        .iter()
        .map(|enrolment| enrolment.person)
        .collect::<std::collections::BTreeSet<_>>()
    {
        sql.push_str(&format!(
            "INSERT INTO users (id, email, name, role) \
             VALUES (gen_random_uuid(), '{person}.reach@school.example', 'Reach Person {person}', 'participant');\n"
        ));
    }
    for (n, enrolment) in ENROLMENTS.iter().enumerate() {
        let id = format!("0193ffff-0000-7000-8000-{n:012}");
        let Enrolment {
            person,
            group,
            school,
            status,
            accepted,
            ..
        } = enrolment;
        let referrer = enrolment.referred_by.map_or("NULL".to_owned(), |slug| {
            format!("(SELECT id FROM teaching_school_hubs WHERE slug = '{slug}')")
        });
        let position = if *status == "waitlisted" { "1" } else { "NULL" };
        let accepted_at = if *accepted { "now()" } else { "NULL" };
        let withdrawn_at = if *status == "withdrawn" {
            "now()"
        } else {
            "NULL"
        };
        sql.push_str(&format!(
            "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, \
                    status, waitlist_position, referred_by_id, accepted_at, withdrawn_at) \
             SELECT '{id}', w.id, u.id, '{school}', 'teacher', '{status}', {position}, {referrer}, \
                    {accepted_at}, {withdrawn_at} \
               FROM work_groups w, users u \
              WHERE w.code = '{group}' AND u.email = '{person}.reach@school.example';\n"
        ));
        for (sessions, mark) in [(enrolment.present, "present"), (enrolment.absent, "absent")] {
            for nth in sessions {
                sql.push_str(&format!(
                    "INSERT INTO attendance (session_id, enrolment_id, status) \
                     SELECT s.id, '{id}', '{mark}' FROM sessions s JOIN work_groups w ON w.id = s.work_group_id \
                      WHERE w.code = '{group}' ORDER BY s.starts_at OFFSET {} LIMIT 1;\n",
                    nth - 1
                ));
            }
        }
    }
    sql.push_str(&format!(
        "INSERT INTO teaching_school_hubs (id, slug, name) \
         VALUES ('{COTSWOLD_TSH_ID}', '{COTSWOLD_TSH}', 'Cotswold Teaching School Hub');
         INSERT INTO teaching_school_hub_areas (teaching_school_hub_id, la_code) \
         VALUES ('{COTSWOLD_TSH_ID}', 'E07000079');
         INSERT INTO users (id, email, name, role, teaching_school_hub_id) \
         VALUES ('{COTSWOLD_PARTNER_ID}', 'partner@cotswold.example', 'Cotswold Partner', 'partner', '{COTSWOLD_TSH_ID}');"
    ));
    app.execute(&sql).await;
    app
}

/// An access token for the Cotswold partner, signed as the server would at sign-in.
fn cotswold_partner_token() -> String {
    TokenKeys::new(&Secret::new(TEST_JWT_SECRET))
        .expect("a valid secret")
        .issue(Subject {
            sub: COTSWOLD_PARTNER_ID.to_owned(),
            role: Role::Partner,
            hub: None,
            tsh: Some(COTSWOLD_TSH_ID.to_owned()),
            client_id: None,
            token_version: 0,
            session: None,
        })
}

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    json_body(
        app.send(Method::GET, &format!("{REPORT}{query}"), Some(token), None)
            .await,
        200,
    )
    .await
}

/// `[schools signed up, participating, participants signed up, participating]` of a row.
fn counts(row: &Value) -> [u64; 4] {
    [
        "schools_signed_up",
        "schools_participating",
        "participants_signed_up",
        "participants_participating",
    ]
    .map(|key| {
        row[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {row}"))
    })
}

fn hub<'a>(report: &'a Value, slug: &str) -> &'a Value {
    report["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|hub| hub["hub"]["slug"] == slug)
        .unwrap_or_else(|| panic!("no {slug} in {report}"))
}

/// The rows of a split by their key: (key, counts, and for authorities the open schools,
/// those signed up and the share).
fn rows(hub: &Value, split: &str) -> Vec<(String, [u64; 4], Value)> {
    hub[split]
        .as_array()
        .unwrap_or_else(|| panic!("no {split} in {hub}"))
        .iter()
        .map(|row| {
            let key = match split {
                "by_local_authority" => row["local_authority"]["gss_code"].clone(),
                "by_school_phase" => row["school_phase"].clone(),
                "by_project" => row["project"]["code"].clone(),
                _ => row["referred_by"]["slug"].clone(),
            };
            let reach = json!([
                row["open_schools"],
                row["open_schools_signed_up"],
                row["reach_percent"]
            ]);
            let reach = if split == "by_local_authority" {
                reach
            } else {
                Value::Null
            };
            (
                key.as_str().unwrap_or("none").to_owned(),
                counts(row),
                reach,
            )
        })
        .collect()
}

fn row(key: &str, counts: [u64; 4]) -> (String, [u64; 4], Value) {
    (key.to_owned(), counts, Value::Null)
}

fn authority(code: &str, counts: [u64; 4], reach: Value) -> (String, [u64; 4], Value) {
    (code.to_owned(), counts, reach)
}

const NONE: [u64; 4] = [0, 0, 0, 0];

/// London Central and West in 2021/22, worked out from the fixture.
fn assert_lcw(lcw: &Value) {
    // Schools: Twyford, 200001, 200002, 200003 (withdrawn after acceptance), Chipping
    // Campden, 300002; participating: Twyford (P1), 200001 (P3, half), 200003 (P5),
    // Chipping Campden (P6). People: P1–P6 and Q8; participating P1, P3, P5, P6.
    assert_eq!(counts(&lcw["totals"]), [6, 4, 7, 4], "{lcw}");
    assert_eq!(
        rows(lcw, "by_local_authority"),
        [
            // Brent: 200003 of its open 200003 and 200007 (pending only).
            authority("E09000005", [1, 1, 1, 1], json!([2, 1, 50.0])),
            // Ealing: Twyford, 200001, 200002 (closed); open are Twyford, 200001 and 200004
            // (withdrawn before acceptance).
            authority("E09000009", [3, 2, 4, 2], json!([3, 2, 66.7])),
            authority("E09000013", NONE, json!([0, 0, null])),
            authority("E09000015", NONE, json!([0, 0, null])),
            authority("E09000017", NONE, json!([0, 0, null])),
            authority("E09000018", NONE, json!([0, 0, null])),
            authority("E09000020", NONE, json!([0, 0, null])),
            // Newham and Gloucestershire are not the hub's: counted, without a share.
            authority("E09000025", [1, 0, 1, 0], json!([null, null, null])),
            // Chipping Campden is in the district of Cotswold: counted under its county.
            authority("E10000013", [1, 1, 1, 1], json!([null, null, null])),
        ]
    );
    assert_eq!(
        rows(lcw, "by_school_phase"),
        [row("primary", [2, 1, 2, 1]), row("secondary", [4, 3, 5, 3])]
    );
    assert_eq!(
        rows(lcw, "by_project"),
        [
            row("NCP21-15", [2, 2, 3, 2]),
            // P1 absent, P4 present at one of four, Q8 never: only P3 and P6 reach half.
            row("NCP21-94", [5, 2, 5, 2]),
        ]
    );
    assert_eq!(
        rows(lcw, "by_referrer"),
        [
            row(EAST_LONDON, [1, 1, 1, 1]),
            row(LDE, [2, 1, 2, 1]),
            row("none", [4, 2, 5, 2]),
        ]
    );
    let named: Vec<&str> = lcw["by_local_authority"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["local_authority"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(named[1], "Ealing");
    assert_eq!(named[7..], ["Newham", "Gloucestershire"]);
    let projects = lcw["by_project"].as_array().unwrap();
    assert_eq!(projects[0]["participation_min_percent"], Value::Null);
    assert_eq!(projects[1]["participation_min_percent"], 50);
}

/// London North East in 2021/22 (its 2020/21 group is another year).
fn assert_lne(lne: &Value) {
    assert_eq!(counts(&lne["totals"]), [3, 2, 4, 2], "{lne}");
    assert_eq!(
        rows(lne, "by_local_authority"),
        [
            authority("E09000002", NONE, json!([1, 0, 0.0])),
            authority("E09000012", [1, 0, 1, 0], json!([1, 1, 100.0])),
            authority("E09000016", NONE, json!([1, 0, 0.0])),
            authority("E09000025", [2, 2, 3, 2], json!([3, 2, 66.7])),
        ]
    );
    assert_eq!(
        rows(lne, "by_school_phase"),
        [row("primary", [2, 1, 2, 1]), row("secondary", [1, 1, 2, 1])]
    );
    assert_eq!(
        rows(lne, "by_project"),
        [row("NCP21-15", [2, 1, 2, 1]), row("NCP21-94", [2, 1, 2, 1])]
    );
    assert_eq!(
        rows(lne, "by_referrer"),
        [
            row(EAST_LONDON, [1, 1, 1, 1]),
            row(LDE, [1, 1, 2, 1]),
            row("none", [1, 0, 1, 0]),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_s_reach_counts_the_fixture_s_known_answers_for_its_manager_and_for_admins() {
    let app = spawn_with_fixture().await;
    let manager = app.token(LCW_MANAGER).await;
    let admin = app.token(ADMIN).await;

    let own = report(&app, &manager, "").await;
    assert_eq!(own["academic_year"], YEAR);
    assert_eq!(own["scope"]["kind"], "hub");
    assert_eq!(own["hubs"].as_array().unwrap().len(), 1);
    assert_lcw(hub(&own, LCW));
    assert_eq!(counts(&own["totals"]), [6, 4, 7, 4]);

    let named = report(&app, &admin, &format!("&hub={LCW}")).await;
    assert_eq!(
        named, own,
        "an admin naming the hub reads what its manager reads"
    );
    let lne = report(&app, &admin, &format!("&hub={LNE}")).await;
    assert_lne(hub(&lne, LNE));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_national_report_shows_every_hub_and_counts_a_school_of_two_hubs_once() {
    let app = spawn_with_fixture().await;
    let admin = app.token(ADMIN).await;
    let national = report(&app, &admin, "").await;
    assert_eq!(national["scope"]["kind"], "national");
    let slugs: Vec<&str> = national["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hub| hub["hub"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["cheshire-and-wirral", "glow", LCW, LNE]);
    assert_lcw(hub(&national, LCW));
    assert_lne(hub(&national, LNE));
    let glow = hub(&national, "glow");
    assert_eq!(counts(&glow["totals"]), NONE);
    // Chipping Campden and the Stroud school are Gloucestershire's open schools.
    assert_eq!(
        rows(glow, "by_local_authority"),
        [authority("E10000013", NONE, json!([2, 0, 0.0]))]
    );
    assert_eq!(
        rows(glow, "by_project")
            .into_iter()
            .map(|(code, ..)| code)
            .collect::<Vec<_>>(),
        ["NCP21-91", "NCP21-93", "NCP21-94"]
    );
    // 300002 signed up with both hubs; schools: LCW's six and LNE's 300001 and 300003.
    // Participating: LCW's four, 300001 and 300002 (with LNE). People: seven and four.
    assert_eq!(counts(&national["totals"]), [8, 6, 11, 6]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_counts_only_the_groups_they_lead() {
    let app = spawn_with_fixture().await;
    let lead = app.token(LCW_LEAD).await;
    let led = report(&app, &lead, "").await;
    assert_eq!(led["scope"]["kind"], "led_work_groups");
    assert_eq!(led["scope"]["work_groups"], json!(["LCW21-15-01"]));
    let lcw = hub(&led, LCW);
    // Only LCW21-15-01: P1 and P2 of Twyford, P5 of 200003 (withdrawn after acceptance).
    assert_eq!(counts(&lcw["totals"]), [2, 2, 3, 2]);
    let authorities = rows(lcw, "by_local_authority");
    assert_eq!(
        authorities[..2],
        [
            authority("E09000005", [1, 1, 1, 1], json!([2, 1, 50.0])),
            authority("E09000009", [1, 1, 2, 1], json!([3, 1, 33.3])),
        ]
    );
    assert_eq!(rows(lcw, "by_project"), [row("NCP21-15", [2, 2, 3, 2])]);
    assert_eq!(
        rows(lcw, "by_referrer"),
        [row(LDE, [1, 1, 1, 1]), row("none", [2, 1, 2, 1])]
    );
    let same = report(&app, &lead, &format!("&hub={LCW}")).await;
    assert_eq!(same, led);
}

/// Asserts that `text` names no school or person of the fixture or the demo: no URN (as a
/// word of its own: GSS codes such as E09000016 hold digits of URNs), name or email.
fn assert_names_nobody(text: &str) {
    let words: std::collections::HashSet<&str> =
        text.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let urns = SCHOOLS
        .iter()
        .map(|(urn, ..)| *urn)
        .chain(["137083", "900001"]);
    for urn in urns {
        assert!(!words.contains(urn), "{urn} in {text}");
    }
    let names = ENROLMENTS
        .iter()
        .map(|enrolment| format!("Reach Person {}", enrolment.person))
        .chain(["Reach School", "Twyford", "Chipping Campden", "@"].map(str::to_owned));
    for name in names {
        assert!(!text.contains(&name), "{name} in {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_reads_its_area_aggregated_across_the_hubs_serving_it_and_no_names() {
    let app = spawn_with_fixture().await;
    let partner = app.token(PARTNER).await;
    let response = app.send(Method::GET, REPORT, Some(&partner), None).await;
    let text = response.text().await.unwrap();
    assert_names_nobody(&text);
    let area: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(area["scope"]["kind"], "partner_area");
    assert_eq!(area["scope"]["teaching_school_hub"]["slug"], LDE);
    // LNE covers the area; 300002 (Newham) signed up with LCW too.
    let slugs: Vec<&str> = area["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hub| hub["hub"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, [LCW, LNE]);

    let lcw = hub(&area, LCW);
    assert_eq!(counts(&lcw["totals"]), [1, 0, 1, 0]);
    assert_eq!(
        rows(lcw, "by_local_authority"),
        [authority(
            "E09000025",
            [1, 0, 1, 0],
            json!([null, null, null])
        )]
    );
    assert_eq!(
        rows(lcw, "by_project"),
        [row("NCP21-15", NONE), row("NCP21-94", [1, 0, 1, 0])]
    );
    assert_eq!(rows(lcw, "by_referrer"), [row(LDE, [1, 0, 1, 0])]);

    // Hackney's school is not the partner's; of the area's authorities, each the hub covers.
    let lne = hub(&area, LNE);
    assert_eq!(counts(&lne["totals"]), [2, 2, 3, 2]);
    assert_eq!(
        rows(lne, "by_local_authority"),
        [
            authority("E09000002", NONE, json!([1, 0, 0.0])),
            authority("E09000016", NONE, json!([1, 0, 0.0])),
            authority("E09000025", [2, 2, 3, 2], json!([3, 2, 66.7])),
        ]
    );
    assert_eq!(
        rows(lne, "by_referrer"),
        [row(EAST_LONDON, [1, 1, 1, 1]), row(LDE, [1, 1, 2, 1])]
    );
    assert_eq!(counts(&area["totals"]), [2, 2, 4, 2]);

    // Naming a hub keeps to the area.
    let named = report(&app, &partner, &format!("&hub={LNE}")).await;
    assert_eq!(named["hubs"].as_array().unwrap().len(), 1);
    assert_eq!(hub(&named, LNE)["totals"], lne["totals"]);
    assert_eq!(
        hub(&named, LNE)["by_local_authority"],
        lne["by_local_authority"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_of_a_district_counts_its_schools_under_the_county_and_no_others() {
    let app = spawn_with_fixture().await;
    let area = report(&app, &cotswold_partner_token(), "").await;
    // GLOW covers Gloucestershire, the district's county; Chipping Campden signed up with LCW.
    let slugs: Vec<&str> = area["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hub| hub["hub"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["glow", LCW]);
    // Of Gloucestershire's open schools only Chipping Campden is in Cotswold, not Stroud's.
    assert_eq!(
        rows(hub(&area, "glow"), "by_local_authority"),
        [authority("E10000013", NONE, json!([1, 0, 0.0]))]
    );
    let lcw = hub(&area, LCW);
    assert_eq!(counts(&lcw["totals"]), [1, 1, 1, 1]);
    assert_eq!(
        rows(lcw, "by_local_authority"),
        [authority(
            "E10000013",
            [1, 1, 1, 1],
            json!([null, null, null])
        )]
    );
    assert_eq!(counts(&area["totals"]), [1, 1, 1, 1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn completion_marks_completed_exactly_those_the_report_counts_participating() {
    let app = spawn_with_fixture().await;
    let admin = app.token(ADMIN).await;
    // LCW21-94-01 completes: the rule of NCP21-94 settles its enrolments holding a place.
    let group = app
        .query_text(
            "SELECT id::text AS value FROM work_groups WHERE code = 'LCW21-94-01'",
            &[],
        )
        .await;
    app.execute("UPDATE work_groups SET status = 'completed' WHERE code = 'LCW21-94-01'")
        .await;
    let mut conn = app.database.connection().await;
    mathshub::db::completion::settle(&mut conn, group.parse().unwrap(), None)
        .await
        .expect("settle");
    let completed = app
        .query_text(
            "SELECT string_agg(u.name, ',' ORDER BY u.name) AS value FROM enrolments e \
               JOIN users u ON u.id = e.participant_id JOIN work_groups w ON w.id = e.work_group_id \
              WHERE w.code = 'LCW21-94-01' AND e.status = 'completed'",
            &[],
        )
        .await;
    assert_eq!(completed, "Reach Person P3,Reach Person P6");
    let lcw = report(&app, &admin, &format!("&hub={LCW}")).await;
    let ncp21_94 = &rows(hub(&lcw, LCW), "by_project")[1];
    assert_eq!(ncp21_94.0, "NCP21-94");
    assert_eq!(ncp21_94.1[3], 2, "participants participating: P3 and P6");
}

/// The fixture's id of `person`'s enrolment in `group`.
fn enrolment_of(person: &str, group: &str) -> String {
    let n = ENROLMENTS
        .iter()
        .position(|enrolment| enrolment.person == person && enrolment.group == group)
        .unwrap_or_else(|| panic!("{person} has no enrolment in {group}"));
    format!("0193ffff-0000-7000-8000-{n:012}")
}

#[tokio::test(flavor = "multi_thread")]
async fn participation_follows_corrections_of_the_register_and_sessions_removed() {
    let app = spawn_with_fixture().await;
    let manager = app.token(LCW_MANAGER).await;
    let ncp21_94 = |report: &Value| rows(hub(report, LCW), "by_project")[1].1;
    let session = |nth: usize| {
        format!(
            "SELECT s.id::text AS value FROM sessions s JOIN work_groups w ON w.id = s.work_group_id \
              WHERE w.code = 'LCW21-94-01' ORDER BY s.starts_at OFFSET {} LIMIT 1",
            nth - 1
        )
    };

    // P4 was absent at the second session: corrected, present at two of four, half.
    let second = app.query_text(&session(2), &[]).await;
    let corrected = app
        .send(
            Method::PUT,
            &format!("/api/v1/sessions/{second}/attendance"),
            Some(&manager),
            Some(&json!({"items": [{"enrolment_id": enrolment_of("P4", "LCW21-94-01"), "status": "present"}]})),
        )
        .await;
    json_body(corrected, 200).await;
    let after_correction = report(&app, &manager, "").await;
    assert_eq!(ncp21_94(&after_correction), [5, 3, 5, 3]);
    assert_eq!(counts(&hub(&after_correction, LCW)["totals"]), [6, 5, 7, 5]);

    // The first session goes, and its attendance with it: P3 and P4 now present at one of
    // three, P6 at two of three.
    let first = app.query_text(&session(1), &[]).await;
    app.execute(&format!("DELETE FROM sessions WHERE id = '{first}'"))
        .await;
    let after_removal = report(&app, &manager, "").await;
    assert_eq!(ncp21_94(&after_removal), [5, 1, 5, 1]);
    let present = app
        .query_text(
            &format!(
                "SELECT string_agg(present_count::text, ',' ORDER BY id) AS value FROM enrolments \
                  WHERE id IN ('{}', '{}', '{}')",
                enrolment_of("P3", "LCW21-94-01"),
                enrolment_of("P4", "LCW21-94-01"),
                enrolment_of("P6", "LCW21-94-01"),
            ),
            &[],
        )
        .await;
    assert_eq!(present, "1,1,2");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_gets_its_own_reach_and_naming_another_hub_is_refused() {
    let app = spawn_with_fixture().await;
    let path = |query: &str| format!("{REPORT}{query}");
    assert_problem(app.send(Method::GET, REPORT, None, None).await, 401).await;
    let teacher = app.token(TEACHER).await;
    assert_problem(
        app.send(Method::GET, REPORT, Some(&teacher), None).await,
        403,
    )
    .await;
    for (email, hub) in [(LCW_MANAGER, LNE), (LCW_LEAD, LNE), (LCW_LEAD, "glow")] {
        let token = app.token(email).await;
        let refused = assert_problem(
            app.send(
                Method::GET,
                &path(&format!("&hub={hub}")),
                Some(&token),
                None,
            )
            .await,
            403,
        )
        .await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("hub managers (their hub)"),
            "{refused}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_holds_the_json_s_figures_one_line_per_hub_dimension_and_value() {
    let app = spawn_with_fixture().await;
    let admin = app.token(ADMIN).await;
    let national = report(&app, &admin, "").await;
    let response = app
        .client
        .get(format!("{}{REPORT}", app.address))
        .bearer_auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert!(header("vary").starts_with("accept"), "{}", header("vary"));
    assert!(header("content-disposition").contains("reach-2021-22.csv"));
    assert!(response.headers().contains_key("etag"));
    let text = response.text().await.unwrap();
    assert_names_nobody(&text);

    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        columns,
        [
            "hub",
            "hub_name",
            "dimension",
            "value",
            "value_name",
            "schools_signed_up",
            "schools_participating",
            "participants_signed_up",
            "participants_participating",
            "open_schools",
            "open_schools_signed_up",
            "reach_percent",
        ]
    );
    let lines: Vec<HashMap<String, String>> = reader
        .records()
        .map(|record| {
            columns
                .iter()
                .cloned()
                .zip(record.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect();

    // The lines the JSON implies, in its order.
    let text_of = |value: &Value| match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Number(number) if number.is_f64() => format!("{:.1}", number.as_f64().unwrap()),
        other => other.to_string(),
    };
    let line = |hub: &Value, dimension: &str, value: &str, name: &Value, row: &Value| {
        let mut line = HashMap::new();
        line.insert("hub".to_owned(), text_of(&hub["slug"]));
        line.insert("hub_name".to_owned(), text_of(&hub["name"]));
        line.insert("dimension".to_owned(), dimension.to_owned());
        line.insert("value".to_owned(), value.to_owned());
        line.insert("value_name".to_owned(), text_of(name));
        for column in &columns[5..] {
            line.insert(column.clone(), text_of(&row[column]));
        }
        line
    };
    let mut expected = Vec::new();
    for hub in national["hubs"].as_array().unwrap() {
        let this = &hub["hub"];
        expected.push(line(this, "total", "", &Value::Null, &hub["totals"]));
        for row in hub["by_local_authority"].as_array().unwrap() {
            let authority = &row["local_authority"];
            let code = text_of(&authority["gss_code"]);
            expected.push(line(
                this,
                "local_authority",
                &code,
                &authority["name"],
                row,
            ));
        }
        for row in hub["by_school_phase"].as_array().unwrap() {
            let phase = text_of(&row["school_phase"]);
            expected.push(line(this, "school_phase", &phase, &Value::Null, row));
        }
        for row in hub["by_project"].as_array().unwrap() {
            let project = &row["project"];
            let code = text_of(&project["code"]);
            expected.push(line(this, "project", &code, &project["title"], row));
        }
        for row in hub["by_referrer"].as_array().unwrap() {
            let referrer = &row["referred_by"];
            let slug = if referrer.is_null() {
                "none".to_owned()
            } else {
                text_of(&referrer["slug"])
            };
            expected.push(line(this, "referrer", &slug, &referrer["name"], row));
        }
    }
    expected.push(line(
        &Value::Null,
        "total",
        "",
        &Value::Null,
        &national["totals"],
    ));
    assert_eq!(lines, expected);
    let ealing = lines
        .iter()
        .find(|line| line["hub"] == LCW && line["value"] == "E09000009")
        .unwrap();
    assert_eq!(ealing["reach_percent"], "66.7");

    let refused = app
        .client
        .get(format!("{}{REPORT}", app.address))
        .bearer_auth(&admin)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_problem(refused, 406).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_queries_answer_400_or_422_naming_each_parameter_and_a_year_without_data_zeros() {
    let app = spawn_with_fixture().await;
    let admin = app.token(ADMIN).await;
    let unknown_hub = "?academic_year=2021/22&hub=nowhere";
    let problem = assert_problem(
        app.send(
            Method::GET,
            &format!("/api/v1/reports/reach{unknown_hub}"),
            Some(&admin),
            None,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["hub"], "{problem}");
    for (query, fields) in [
        ("", vec!["academic_year"]),
        ("?academic_year=2021-22", vec!["academic_year"]),
        ("?academic_year=2021/23", vec!["academic_year"]),
        ("?academic_year=2013/14", vec!["academic_year"]),
        (
            "?academic_year=2021/22&academic_year=2022/23",
            vec!["academic_year"],
        ),
        ("?academic_year=2021/22&hub=Not A Slug", vec!["hub"]),
        (
            "?academic_year=2021/22&limit=5&colour=red",
            vec!["limit", "colour"],
        ),
        ("?academic_year=nope&hub=Bad!", vec!["academic_year", "hub"]),
    ] {
        let problem = assert_problem(
            app.send(
                Method::GET,
                &format!("/api/v1/reports/reach{query}"),
                Some(&admin),
                None,
            )
            .await,
            400,
        )
        .await;
        assert_eq!(invalid_fields(&problem), fields, "{query}: {problem}");
    }

    let empty = json_body(
        app.send(
            Method::GET,
            "/api/v1/reports/reach?academic_year=2030/31",
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(counts(&empty["totals"]), NONE);
    let lcw = hub(&empty, LCW);
    assert_eq!(counts(&lcw["totals"]), NONE);
    assert!(lcw["by_project"].as_array().unwrap().is_empty());
    assert_eq!(
        rows(lcw, "by_local_authority")[1],
        authority("E09000009", NONE, json!([3, 0, 0.0]))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_referral_carried_into_an_accepted_enrolment_is_counted_under_its_teaching_school_hub() {
    let app = TestApp::spawn_with_demo().await;
    let code = crate::helpers::next_cohort(&app);
    let (group, year) = (
        app.query_text(
            "SELECT id::text AS value FROM work_groups WHERE code = $1",
            &[&code],
        )
        .await,
        app.query_text(
            "SELECT academic_year AS value FROM work_groups WHERE code = $1",
            &[&code],
        )
        .await,
    );
    let manager = app.token(LCW_MANAGER).await;
    let path = format!("/api/v1/reports/reach?academic_year={year}");
    let referrers = |report: Value| rows(hub(&report, LCW), "by_referrer");

    let teacher = app.token(TEACHER).await;
    let interest = json!({"school_urn": "137083", "role_in_school": "head_of_department",
                          "referred_by": LDE});
    let enrolment = json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/work-groups/{group}/enrolments"),
            Some(&teacher),
            Some(&interest),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(enrolment["status"], "pending");
    // An expression of interest is not a sign-up until the hub accepts it.
    let pending = json_body(
        app.send(Method::GET, &path, Some(&manager), None).await,
        200,
    )
    .await;
    assert!(referrers(pending).is_empty());

    let accepted = app
        .send(
            Method::POST,
            &format!(
                "/api/v1/enrolments/{}/accept",
                enrolment["id"].as_str().unwrap()
            ),
            Some(&manager),
            None,
        )
        .await;
    json_body(accepted, 200).await;
    let signed_up = json_body(
        app.send(Method::GET, &path, Some(&manager), None).await,
        200,
    )
    .await;
    assert_eq!(referrers(signed_up), [row(LDE, [1, 0, 1, 0])]);
}
