//! The enrolment engine over HTTP and a real database: expressions of interest admitted by
//! the group's rules, staff decisions, withdrawals promoting the waiting list, fees for late
//! withdrawals, and no overbooking under concurrency.

use std::time::Duration;

use mathshub::db::PoolSettings;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, events_of, invalid_fields, json_body,
    present_at_first_session,
};
use crate::processes::ServeProcess;

const GROUP: &str = "LCW21-15-01";
pub const TWYFORD: &str = "137083";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";

/// Opens the demo's LCW group for interest again (deadline ahead, sessions next term) with
/// this capacity and admission; its id.
pub async fn open_group(app: &TestApp, capacity: i32, admission: &str) -> String {
    app.execute(&format!(
        "DELETE FROM enrolments WHERE work_group_id = (SELECT id FROM work_groups WHERE code = '{GROUP}');
         UPDATE sessions s SET starts_at = s.starts_at + interval '10 years', ends_at = s.ends_at + interval '10 years'
           FROM work_groups g WHERE g.id = s.work_group_id AND g.code = '{GROUP}';
         UPDATE work_groups SET status = 'open', accepted_count = 0, capacity = {capacity},
                admission = '{admission}', eoi_deadline = now() + interval '30 days'
          WHERE code = '{GROUP}';"
    ))
    .await;
    app.query_text(
        "SELECT id::text AS value FROM work_groups WHERE code = $1",
        &[GROUP],
    )
    .await
}

pub fn interest() -> Value {
    json!({"school_urn": TWYFORD, "role_in_school": "head_of_department",
           "statement": "I lead the department.", "referred_by": "london-district-east"})
}

async fn express(app: &TestApp, token: &str, group: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/work-groups/{group}/enrolments"),
        Some(token),
        Some(body),
    )
    .await
}

async fn act(
    app: &TestApp,
    token: &str,
    enrolment: &str,
    action: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/enrolments/{enrolment}/{action}"),
        Some(token),
        body,
    )
    .await
}

/// The group's status and places taken, as "status/accepted".
pub async fn group_state(app: &TestApp, group: &str) -> String {
    app.query_text(
        "SELECT status || '/' || accepted_count AS value FROM work_groups WHERE id = $1::uuid",
        &[group],
    )
    .await
}

/// The waiting list, in position order, as "position:enrolment id".
async fn waitlist(app: &TestApp, group: &str) -> Vec<String> {
    let text = app
        .query_text(
            "SELECT coalesce(string_agg(waitlist_position || ':' || id, ',' ORDER BY waitlist_position), '') AS value \
               FROM enrolments WHERE work_group_id = $1::uuid AND status = 'waitlisted'",
            &[group],
        )
        .await;
    text.split(',')
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An app that lets a crowd of requests queue, for connections and for the group's row lock,
/// rather than time out: these tests are about what the crowd leaves, on machines that may be
/// busy with every other test at once.
async fn crowd_ready_app(pool_size: usize) -> TestApp {
    TestApp::spawn_with_demo_on(PoolSettings {
        max_size: pool_size,
        wait_timeout: Duration::from_secs(60),
        statement_timeout: Duration::from_secs(60),
    })
    .await
}

/// NCP21-15 now asks that the school completed NCP21-91 (Core Maths) first.
async fn require_core_maths_first(app: &TestApp) {
    app.execute(
        "UPDATE projects SET requires_completed_id = (SELECT id FROM projects WHERE code = 'NCP21-91') \
          WHERE code = 'NCP21-15'",
    )
    .await;
}

/// The waiting list's positions, in order: 1..n when it is gapless.
pub async fn waitlist_positions(app: &TestApp, group: &str) -> Vec<i64> {
    waitlist(app, group)
        .await
        .iter()
        .map(|item| item.split(':').next().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn automatic_admission_fills_the_places_then_waitlists_in_order() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 2, "automatic").await;
    let people = app.participants(3, TWYFORD, "head_of_department").await;

    let mut answers = Vec::new();
    for (_, token) in &people {
        answers.push(json_body(express(&app, token, &group, &interest()).await, 201).await);
    }

    assert_eq!(answers[0]["status"], "accepted");
    assert_eq!(answers[1]["status"], "accepted");
    assert_eq!(answers[2]["status"], "waitlisted");
    assert_eq!(answers[2]["waitlist_position"], 1);
    assert_eq!(answers[0]["referred_by"], "london-district-east");
    assert_eq!(group_state(&app, &group).await, "full/2");
    let fed = events_of(&app, &group).await;
    assert_eq!(fed, "updated,filled");
}

#[tokio::test(flavor = "multi_thread")]
async fn review_admission_waits_for_staff_who_never_accept_beyond_capacity() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 1, "review").await;
    let manager = app.token(MANAGER).await;
    let people = app.participants(2, TWYFORD, "head_of_department").await;
    let mut ids = Vec::new();
    for (_, token) in &people {
        let pending = json_body(express(&app, token, &group, &interest()).await, 201).await;
        assert_eq!(pending["status"], "pending");
        ids.push(pending["id"].as_str().unwrap().to_owned());
    }

    let accepted = json_body(act(&app, &manager, &ids[0], "accept", None).await, 200).await;
    assert_eq!(accepted["status"], "accepted");
    assert_problem_saying(
        act(&app, &manager, &ids[1], "accept", None).await,
        409,
        "full",
    )
    .await;
    let waitlisted = json_body(act(&app, &manager, &ids[1], "waitlist", None).await, 200).await;
    assert_eq!(waitlisted["waitlist_position"], 1);
    // Only the group's staff decide.
    assert_problem(act(&app, &people[1].1, &ids[1], "accept", None).await, 403).await;
    let full = json!({"reason": "The group is full this year."});
    let declined = act(&app, &manager, &ids[1], "decline", Some(&full)).await;
    assert_eq!(json_body(declined, 200).await["status"], "declined");
    assert!(waitlist(&app, &group).await.is_empty());
    assert_eq!(group_state(&app, &group).await, "full/1");
    let audited = app
        .query_count(
            "SELECT count(*) AS count FROM audit_log WHERE object_type = 'enrolment' AND actor_id IS NOT NULL",
            &[],
        )
        .await;
    assert_eq!(audited, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_refusal_names_its_rule_and_creates_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "automatic").await;
    let teacher = app.token(TEACHER).await;
    let enrolments = || app.query_count("SELECT count(*) AS count FROM enrolments", &[]);
    let before = enrolments().await;

    app.execute(&format!(
        "UPDATE users SET role_in_school = 'prospective_head_of_department' WHERE email = '{TEACHER}'"
    ))
    .await;
    let problem = assert_problem(express(&app, &teacher, &group, &json!({})).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["role_in_school"]);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not open to the role prospective_head_of_department"),
        "{problem}"
    );
    app.execute(&format!(
        "UPDATE users SET role_in_school = 'head_of_department' WHERE email = '{TEACHER}'"
    ))
    .await;
    app.execute("UPDATE schools SET phase = 'primary' WHERE urn = '137083'")
        .await;
    let problem = assert_problem(express(&app, &teacher, &group, &interest()).await, 422).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("phase is primary"),
        "{problem}"
    );
    app.execute("UPDATE schools SET phase = 'all_through', status = 'closed' WHERE urn = '137083'")
        .await;
    assert_problem_saying(
        express(&app, &teacher, &group, &interest()).await,
        422,
        "closed",
    )
    .await;
    app.execute("UPDATE schools SET status = 'open' WHERE urn = '137083'")
        .await;
    // A school that does not exist is not the account's either.
    let unknown = json!({"school_urn": "999999", "role_in_school": "head_of_department"});
    let problem = assert_problem(express(&app, &teacher, &group, &unknown).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["school_urn"]);
    let bad = json!({"school_urn": "12", "role_in_school": "pilot", "referred_by": "Not A Slug", "extra": 1});
    assert_problem(express(&app, &teacher, &group, &bad).await, 400).await;
    let nowhere = json!({"school_urn": TWYFORD, "role_in_school": "head_of_department", "referred_by": "nowhere"});
    let problem = assert_problem(express(&app, &teacher, &group, &nowhere).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["referred_by"]);
    require_core_maths_first(&app).await;
    let problem = assert_problem(express(&app, &teacher, &group, &interest()).await, 422).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("completed the project NCP21-91"),
        "{problem}"
    );
    app.execute("UPDATE projects SET requires_completed_id = NULL WHERE code = 'NCP21-15'")
        .await;
    app.execute(&format!(
        "UPDATE work_groups SET eoi_deadline = now() - interval '1 minute' WHERE code = '{GROUP}'"
    ))
    .await;
    assert_problem_saying(
        express(&app, &teacher, &group, &interest()).await,
        409,
        "deadline has passed",
    )
    .await;
    app.execute(&format!("UPDATE work_groups SET status = 'closed', eoi_deadline = now() + interval '1 day' WHERE code = '{GROUP}'")).await;
    assert_problem_saying(
        express(&app, &teacher, &group, &interest()).await,
        409,
        "is closed",
    )
    .await;

    assert_eq!(enrolments().await, before);
    app.execute(&format!(
        "UPDATE work_groups SET status = 'open' WHERE code = '{GROUP}'"
    ))
    .await;
    json_body(express(&app, &teacher, &group, &interest()).await, 201).await;
    assert_problem_saying(
        express(&app, &teacher, &group, &interest()).await,
        409,
        "already have an enrolment",
    )
    .await;
    // Staff do not express interest.
    let manager = app.token(MANAGER).await;
    assert_problem(express(&app, &manager, &group, &interest()).await, 403).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawal_frees_the_place_for_the_first_waiting_and_closes_up_the_list() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 1, "automatic").await;
    let people = app.participants(4, TWYFORD, "head_of_department").await;
    let mut ids = Vec::new();
    for (_, token) in &people {
        let answer = json_body(express(&app, token, &group, &interest()).await, 201).await;
        ids.push(answer["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        waitlist(&app, &group).await,
        [
            format!("1:{}", ids[1]),
            format!("2:{}", ids[2]),
            format!("3:{}", ids[3])
        ]
    );

    let reason = json!({"reason": "I have moved school."});
    let withdrawn = json_body(
        act(&app, &people[0].1, &ids[0], "withdraw", Some(&reason)).await,
        200,
    )
    .await;

    assert_eq!(withdrawn["status"], "withdrawn");
    let promoted = app
        .query_text(
            "SELECT status AS value FROM enrolments WHERE id = $1::uuid",
            &[&ids[1]],
        )
        .await;
    assert_eq!(promoted, "accepted");
    assert_eq!(
        waitlist(&app, &group).await,
        [format!("1:{}", ids[2]), format!("2:{}", ids[3])]
    );
    assert_eq!(group_state(&app, &group).await, "full/1");
    // A waitlisted participant leaving closes the list up too; another's enrolment is hidden.
    assert_problem(
        act(&app, &people[3].1, &ids[2], "withdraw", Some(&reason)).await,
        404,
    )
    .await;
    json_body(
        act(&app, &people[2].1, &ids[2], "withdraw", Some(&reason)).await,
        200,
    )
    .await;
    assert_eq!(waitlist(&app, &group).await, [format!("1:{}", ids[3])]);
    assert_problem_saying(
        act(&app, &people[2].1, &ids[2], "withdraw", Some(&reason)).await,
        409,
        "withdrawn cannot",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn withdrawing_a_place_inside_the_notice_period_charges_the_school_once() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 5, "automatic").await;
    let people = app.participants(2, TWYFORD, "head_of_department").await;
    let mut ids = Vec::new();
    for (_, token) in &people {
        let answer = json_body(express(&app, token, &group, &interest()).await, 201).await;
        ids.push(answer["id"].as_str().unwrap().to_owned());
    }
    let reason = json!({"reason": "Timetable clash."});
    // NCP21-15 charges 7500 pence with 7 days' notice; the next session is years away.
    json_body(
        act(&app, &people[0].1, &ids[0], "withdraw", Some(&reason)).await,
        200,
    )
    .await;
    app.execute(&format!(
        "UPDATE sessions SET starts_at = now() + interval '3 days', ends_at = now() + interval '3 days 4 hours' \
          WHERE id = (SELECT id FROM sessions WHERE work_group_id = '{group}' ORDER BY starts_at LIMIT 1)"
    ))
    .await;
    json_body(
        act(&app, &people[1].1, &ids[1], "withdraw", Some(&reason)).await,
        200,
    )
    .await;

    let fees = app
        .query_text(
            "SELECT coalesce(string_agg(enrolment_id || ':' || reason || ':' || amount_pence, ','), '') AS value FROM fee_liabilities",
            &[],
        )
        .await;
    assert_eq!(fees, format!("{}:late_withdrawal:7500", ids[1]));
}

/// Moves the group's first session to start at `wall_clock` (PostgreSQL's expression of a
/// London wall-clock time, `london_now` standing for London's now), so a week ahead is a
/// London week whatever the clocks do.
async fn first_session_at_london(app: &TestApp, group: &str, wall_clock: &str) {
    let starts = wall_clock.replace("london_now", "(now() AT TIME ZONE 'Europe/London')");
    app.execute(&format!(
        "UPDATE sessions SET starts_at = ({starts}) AT TIME ZONE 'Europe/London',
                             ends_at = ({starts} + interval '4 hours') AT TIME ZONE 'Europe/London'
          WHERE id = (SELECT id FROM sessions WHERE work_group_id = '{group}' ORDER BY starts_at LIMIT 1)"
    ))
    .await;
}

/// NCP21-15's notice is 7 days: a withdrawal is free on the London date 7 days before the
/// session's, at any hour of it, though less than 168 hours remain (a session at midnight a
/// week today), and charged from the day after (a session six days from now).
#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawal_is_charged_by_london_days_of_notice_not_hours() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 5, "automatic").await;
    let people = app.participants(2, TWYFORD, "head_of_department").await;
    let mut ids = Vec::new();
    for (_, token) in &people {
        let answer = json_body(express(&app, token, &group, &interest()).await, 201).await;
        ids.push(answer["id"].as_str().unwrap().to_owned());
    }
    let reason = json!({"reason": "Timetable clash."});

    first_session_at_london(
        &app,
        &group,
        "date_trunc('day', london_now) + interval '7 days'",
    )
    .await;
    json_body(
        act(&app, &people[0].1, &ids[0], "withdraw", Some(&reason)).await,
        200,
    )
    .await;
    first_session_at_london(&app, &group, "london_now + interval '6 days'").await;
    json_body(
        act(&app, &people[1].1, &ids[1], "withdraw", Some(&reason)).await,
        200,
    )
    .await;

    let fees = app
        .query_text(
            "SELECT coalesce(string_agg(enrolment_id || ':' || reason, ','), '') AS value FROM fee_liabilities",
            &[],
        )
        .await;
    assert_eq!(fees, format!("{}:late_withdrawal", ids[1]));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_concurrent_expressions_of_interest_never_overbook() {
    let app = crowd_ready_app(16).await;
    let group = open_group(&app, 30, "automatic").await;
    let people = app.participants(200, TWYFORD, "head_of_department").await;

    let body = interest();
    let answers = futures_util::future::join_all(
        people
            .iter()
            .map(|(_, token)| express(&app, token, &group, &body)),
    )
    .await;

    for answer in answers {
        assert_eq!(answer.status(), 201, "{}", answer.text().await.unwrap());
    }
    assert_eq!(group_state(&app, &group).await, "full/30");
    let accepted = app
        .query_count(
            "SELECT count(*) AS count FROM enrolments WHERE work_group_id = $1::uuid AND status = 'accepted'",
            &[&group],
        )
        .await;
    assert_eq!(accepted, 30);
    let positions = waitlist_positions(&app, &group).await;
    assert_eq!(positions, (1..=170).collect::<Vec<i64>>());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_expression_of_interest_replays_its_answer() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 5, "automatic").await;
    let teacher = app.token(TEACHER).await;
    let send = || {
        app.client
            .post(format!(
                "{}/api/v1/work-groups/{group}/enrolments",
                app.address
            ))
            .bearer_auth(&teacher)
            .header("Idempotency-Key", "eoi-1")
            .json(&interest())
            .send()
    };

    let first = json_body(send().await.unwrap(), 201).await;
    let again = send().await.unwrap();

    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(json_body(again, 201).await, first);
    assert_eq!(group_state(&app, &group).await, "open/1");
}

#[tokio::test(flavor = "multi_thread")]
async fn enrolments_of_a_cancelled_group_no_longer_change() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 5, "review").await;
    let manager = app.token(MANAGER).await;
    let teacher = app.token(TEACHER).await;
    let pending = json_body(express(&app, &teacher, &group, &interest()).await, 201).await;
    let id = pending["id"].as_str().unwrap();
    app.execute(&format!(
        "UPDATE work_groups SET status = 'cancelled', cancellation_reason = 'No venue' WHERE code = '{GROUP}'"
    ))
    .await;

    assert_problem_saying(
        act(&app, &manager, id, "accept", None).await,
        409,
        "is cancelled",
    )
    .await;
    let reason = json!({"reason": "The group was cancelled."});
    assert_problem_saying(
        act(&app, &teacher, id, "withdraw", Some(&reason)).await,
        409,
        "is cancelled",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participant_sending_too_many_expressions_of_interest_is_told_when_to_retry() {
    let limits = mathshub::auth::rate_limit::RateLimits {
        per_address: 1_000,
        per_account: 1_000,
        expressions_of_interest: 2,
        window: Duration::from_secs(60),
    };
    let app = TestApp::spawn_with_demo_and_limits(limits).await;
    let group = open_group(&app, 5, "automatic").await;
    let people = app.participants(2, TWYFORD, "head_of_department").await;
    let (_, eager) = &people[0];
    json_body(express(&app, eager, &group, &interest()).await, 201).await;
    assert_problem(express(&app, eager, &group, &interest()).await, 409).await;

    let refused = express(&app, eager, &group, &interest()).await;

    assert!(refused.headers().contains_key("retry-after"));
    assert_problem(refused, 429).await;
    // Counted per participant: another at the same school and address is not held back.
    json_body(express(&app, &people[1].1, &group, &interest()).await, 201).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_server_processes_on_one_database_never_overbook_either() {
    let app = crowd_ready_app(8).await;
    let second = ServeProcess::start(&app.database.url, &["--pool-size", "8"]).await;
    let group = open_group(&app, 30, "automatic").await;
    let people = app.participants(200, TWYFORD, "head_of_department").await;
    let body = interest();

    let answers =
        futures_util::future::join_all(people.iter().enumerate().map(|(n, (_, token))| {
            let address = if n % 2 == 0 {
                &app.address
            } else {
                &second.address
            };
            app.client
                .post(format!("{address}/api/v1/work-groups/{group}/enrolments"))
                .bearer_auth(token)
                .json(&body)
                .send()
        }))
        .await;

    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), 201, "{}", answer.text().await.unwrap());
    }
    assert_eq!(group_state(&app, &group).await, "full/30");
    let positions = waitlist_positions(&app, &group).await;
    assert_eq!(positions, (1..=170).collect::<Vec<i64>>());
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_withdrawals_and_new_interest_promote_each_freed_place_exactly_once() {
    let app = crowd_ready_app(16).await;
    let group = open_group(&app, 20, "automatic").await;
    let first = app.participants(30, TWYFORD, "head_of_department").await;
    let mut accepted = Vec::new();
    for (_, token) in &first {
        let answer = json_body(express(&app, token, &group, &interest()).await, 201).await;
        if answer["status"] == "accepted" {
            accepted.push((token.clone(), answer["id"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(accepted.len(), 20);
    let newcomers = app.participants(25, TWYFORD, "head_of_department").await;
    let reason = json!({"reason": "Leaving."});
    let body = interest();

    let withdrawals = accepted
        .iter()
        .take(15)
        .map(|(token, id)| act(&app, token, id, "withdraw", Some(&reason)));
    let interest_shown = newcomers
        .iter()
        .map(|(_, token)| express(&app, token, &group, &body));
    let (withdrawn, expressed) = futures_util::future::join(
        futures_util::future::join_all(withdrawals),
        futures_util::future::join_all(interest_shown),
    )
    .await;

    for answer in withdrawn {
        assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    }
    let mut newcomers_placed_at_once = 0;
    for answer in expressed {
        if json_body(answer, 201).await["status"] == "accepted" {
            newcomers_placed_at_once += 1;
        }
    }
    // 30 first + 25 newcomers - 15 withdrawn = 40 live: 20 holding places, 20 waiting.
    assert_eq!(group_state(&app, &group).await, "full/20");
    let holding = app
        .query_count(
            "SELECT count(*) AS count FROM enrolments WHERE work_group_id = $1::uuid AND status = 'accepted'",
            &[&group],
        )
        .await;
    assert_eq!(holding, 20);
    let promoted = app
        .query_count(
            "SELECT count(*) AS count FROM audit_log WHERE action = 'enrolment.promoted'",
            &[],
        )
        .await;
    // Each freed place went once: to the head of the waiting list, or, when a withdrawal found
    // nobody waiting (all withdrawals ran before the newcomers came), to the next newcomer.
    assert_eq!(promoted + newcomers_placed_at_once, 15);
    let positions = waitlist_positions(&app, &group).await;
    assert_eq!(positions, (1..=20).collect::<Vec<i64>>());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_school_that_completed_the_required_project_may_take_the_next_step() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 5, "automatic").await;
    let teacher = app.token(TEACHER).await;
    require_core_maths_first(&app).await;
    assert_problem(express(&app, &teacher, &group, &interest()).await, 422).await;
    // A colleague at Twyford completed a work group of NCP21-91 (as completion records it).
    let colleague = app.participants(1, TWYFORD, "teacher").await;
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status) \
         SELECT gen_random_uuid(), g.id, '{}', '{TWYFORD}', 'teacher', 'completed' \
           FROM work_groups g JOIN projects p ON p.id = g.project_id WHERE p.code = 'NCP21-91' LIMIT 1",
        colleague[0].0
    ))
    .await;

    let accepted = json_body(express(&app, &teacher, &group, &interest()).await, 201).await;

    assert_eq!(accepted["status"], "accepted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_freed_place_nobody_waits_for_opens_the_full_group_again() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 1, "automatic").await;
    let people = app.participants(1, TWYFORD, "head_of_department").await;
    let answer = json_body(express(&app, &people[0].1, &group, &interest()).await, 201).await;
    assert_eq!(group_state(&app, &group).await, "full/1");

    let reason = json!({"reason": "Timetable clash."});
    let id = answer["id"].as_str().unwrap();
    json_body(
        act(&app, &people[0].1, id, "withdraw", Some(&reason)).await,
        200,
    )
    .await;

    assert_eq!(group_state(&app, &group).await, "open/0");
    let fed = events_of(&app, &group).await;
    assert_eq!(fed, "filled,reopened");
}

#[tokio::test(flavor = "multi_thread")]
async fn completing_a_project_opens_the_follow_on_to_the_school() {
    let app = TestApp::spawn_with_demo().await;
    crate::helpers::reopen_documented_group(&app, "GLOW21-91-01").await;
    let group = open_group(&app, 5, "automatic").await;
    let teacher = app.token(TEACHER).await;
    require_core_maths_first(&app).await;
    assert_problem(express(&app, &teacher, &group, &interest()).await, 422).await;
    // A Twyford colleague holds a place in the GLOW Core Maths group (NCP21-91), whose
    // sessions are all over, and was present at its first one.
    let (colleague, _) =
        present_at_first_session(&app, "GLOW21-91-01", "Core Maths Colleague").await;

    // The status clock completes the group, and with it the colleague's enrolment.
    mathshub::db::status_clock::tick(&app.pool).await.unwrap();

    let status = app
        .query_text(
            "SELECT status AS value FROM enrolments WHERE id = $1::uuid",
            &[&colleague],
        )
        .await;
    assert_eq!(status, "completed");
    let enrolled = json_body(express(&app, &teacher, &group, &interest()).await, 201).await;
    assert_eq!(enrolled["status"], "accepted");
}

/// Chipping Campden School, a secondary school in Gloucestershire: GLOW's region, not LCW's.
const CHIPPING_CAMPDEN: &str = "900001";

#[tokio::test(flavor = "multi_thread")]
async fn express_interest_takes_the_school_and_role_of_the_account_when_the_body_names_none() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "automatic").await;
    let teacher = app.token(TEACHER).await;

    let statement = json!({"statement": "I lead the department."});
    let enrolment = json_body(express(&app, &teacher, &group, &statement).await, 201).await;

    assert_eq!(enrolment["school"]["urn"], TWYFORD);
    assert_eq!(enrolment["role_in_school"], "head_of_department");
    assert_eq!(
        app.query_text(
            "SELECT school_urn || '/' || role_in_school AS value FROM enrolments WHERE id = $1::uuid",
            &[enrolment["id"].as_str().unwrap()],
        )
        .await,
        format!("{TWYFORD}/head_of_department")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn express_interest_returns_422_naming_each_field_that_is_not_the_account_s() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "automatic").await;
    let teacher = app.token(TEACHER).await;
    let binds = [group.as_str()];
    let enrolments = || {
        app.query_count(
            "SELECT count(*) AS count FROM enrolments WHERE work_group_id = $1::uuid",
            &binds,
        )
    };

    let elsewhere = json!({"school_urn": CHIPPING_CAMPDEN, "role_in_school": "head_of_department"});
    let problem = assert_problem(express(&app, &teacher, &group, &elsewhere).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["school_urn"]);
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("must be the school of your account (137083)"),
        "{problem}"
    );
    let other_role = json!({"school_urn": TWYFORD, "role_in_school": "senior_leader"});
    let problem = assert_problem(express(&app, &teacher, &group, &other_role).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["role_in_school"]);
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("(head_of_department)"), "{problem}");
    let both = json!({"school_urn": CHIPPING_CAMPDEN, "role_in_school": "senior_leader"});
    let problem = assert_problem(express(&app, &teacher, &group, &both).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["school_urn", "role_in_school"]);

    assert_eq!(enrolments().await, 0);
    let own = json!({"school_urn": TWYFORD, "role_in_school": "head_of_department"});
    json_body(express(&app, &teacher, &group, &own).await, 201).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn express_interest_returns_422_asking_for_the_school_when_the_account_has_none() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "automatic").await;
    let (id, token) = app
        .participants(1, TWYFORD, "head_of_department")
        .await
        .remove(0);
    app.execute(&format!(
        "UPDATE users SET school_urn = NULL, role_in_school = NULL WHERE id = '{id}'"
    ))
    .await;

    for body in [json!({}), interest()] {
        let problem = assert_problem(express(&app, &token, &group, &body).await, 422).await;
        assert_eq!(invalid_fields(&problem), ["school_urn", "role_in_school"]);
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("your account has no school") && message.contains("PATCH /api/v1/me"),
            "{problem}"
        );
    }
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM enrolments WHERE work_group_id = $1::uuid",
            &[&group],
        )
        .await,
        0
    );
}

/// The Twyford head of department who names a school of another region that completed the
/// required project is refused: the rules, and later the fees and reach, count the account's
/// school.
#[tokio::test(flavor = "multi_thread")]
async fn a_required_project_is_judged_by_the_account_s_school_not_one_the_body_names() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 5, "automatic").await;
    let teacher = app.token(TEACHER).await;
    require_core_maths_first(&app).await;
    let (colleague, colleague_token) = app
        .participants(1, CHIPPING_CAMPDEN, "head_of_department")
        .await
        .remove(0);
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status) \
         SELECT gen_random_uuid(), g.id, '{colleague}', '{CHIPPING_CAMPDEN}', 'head_of_department', 'completed' \
           FROM work_groups g JOIN projects p ON p.id = g.project_id WHERE p.code = 'NCP21-91' LIMIT 1"
    ))
    .await;

    let naming_another =
        json!({"school_urn": CHIPPING_CAMPDEN, "role_in_school": "head_of_department"});
    let problem = assert_problem(express(&app, &teacher, &group, &naming_another).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["school_urn"]);
    assert_problem_saying(
        express(&app, &teacher, &group, &json!({})).await,
        422,
        "completed the project NCP21-91",
    )
    .await;

    let accepted = json_body(
        express(&app, &colleague_token, &group, &json!({})).await,
        201,
    )
    .await;
    assert_eq!(accepted["school"]["urn"], CHIPPING_CAMPDEN);
    assert_eq!(
        app.query_count(
            &format!("SELECT count(*) AS count FROM enrolments WHERE work_group_id = '{group}'"),
            &[]
        )
        .await,
        1
    );
}
