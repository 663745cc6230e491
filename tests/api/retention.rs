//! The retention schedule against a real database: participation past its period is
//! detached from people (a tombstone per person and year, so every count stays the same),
//! fees keep theirs longer, old audit entries, messages and password links go, accounts
//! disabled long ago are erased unless something is outstanding; in batches, reported first
//! by a dry run that changes nothing, and idempotent.

use mathshub::db::retention::{Expired, expired, sweep};
use mathshub::domain::retention::RetentionPeriods;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, hold_places, json_body, reopen_documented_group};

const ADMIN: &str = "admin@demo.mathshub.invalid";
/// Documented groups of 2021/22, a year that ended on 31 August 2022.
const LCW: &str = "LCW21-15-01";
const GLOW: &str = "GLOW21-91-01";

async fn participant_of(app: &TestApp, enrolment: &str) -> String {
    app.query_text(
        "SELECT participant_id::text AS value FROM enrolments WHERE id = $1::uuid",
        &[enrolment],
    )
    .await
}

/// Every enrolment's participant, as `id:participant` lines.
async fn participants(app: &TestApp) -> Vec<String> {
    app.query_text(
        "SELECT string_agg(id || ':' || participant_id, ',' ORDER BY id) AS value FROM enrolments",
        &[],
    )
    .await
    .split(',')
    .map(str::to_owned)
    .collect()
}

async fn reach(app: &TestApp, admin: &str, year: &str) -> Value {
    json_body(
        app.send(
            Method::GET,
            &format!("/api/v1/reports/reach?academic_year={year}"),
            Some(admin),
            None,
        )
        .await,
        200,
    )
    .await
}

async fn ledger(app: &TestApp) -> String {
    app.query_text(
        "SELECT string_agg(id || ' ' || amount_pence || ' ' || status || ' ' || created_at, ',' ORDER BY id) \
           AS value FROM fee_liabilities",
        &[],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_schedule_detaches_old_participation_and_deletes_old_records_keeping_every_count() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    // Ada took part in two groups of 2021/22; Ben in one, where his school was charged.
    let ada = hold_places(&app, LCW, &["Ada Oldtimer"]).await.remove(0);
    let ada_id = participant_of(&app, &ada).await;
    let ben = hold_places(&app, LCW, &["Ben Charged"]).await.remove(0);
    let ben_id = participant_of(&app, &ben).await;
    let ada_again = uuid::Uuid::now_v7();
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, statement, status)
         SELECT '{ada_again}', id, '{ada_id}', '137083', 'teacher', 'Ada wrote this.', 'withdrawn'
           FROM work_groups WHERE code = '{GLOW}';
         UPDATE enrolments SET statement = 'Ada wrote this too.', status_reason = 'Ada asked.',
                senior_leader_name = 'Grace Adeyemi', senior_leader_role = 'Headteacher',
                senior_leader_agreed_at = now()
          WHERE id = '{ada}';
         INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
         VALUES (NULL, 'enrolment.accepted', 'enrolment', '{ada}', '{{\"reason\": \"Ada fits.\"}}');
         INSERT INTO fee_liabilities (id, enrolment_id, session_id, school_urn, reason, amount_pence)
         SELECT gen_random_uuid(), '{ben}', s.id, '137083', 'non_attendance', 7500
           FROM sessions s JOIN work_groups w ON w.id = s.work_group_id
          WHERE w.code = '{LCW}' ORDER BY s.starts_at LIMIT 1;
         -- Audit entries of seven and of five years ago.
         INSERT INTO audit_log (occurred_at, action, object_type, object_id, details) VALUES
           (now() - interval '7 years', 'hub.updated', 'hub', 'old', '{{}}'),
           (now() - interval '5 years', 'hub.updated', 'hub', 'recent', '{{}}');
         -- Messages delivered 400 and 10 days ago, and one pending for as long.
         INSERT INTO outbox_messages (id, kind, recipient_id, facts, status, created_at, finished_at) VALUES
           (gen_random_uuid(), 'accepted', '{ada_id}', '{{}}', 'delivered', now() - interval '401 days', now() - interval '400 days'),
           (gen_random_uuid(), 'accepted', '{ada_id}', '{{}}', 'delivered', now() - interval '11 days', now() - interval '10 days'),
           (gen_random_uuid(), 'accepted', '{ada_id}', '{{}}', 'pending', now() - interval '401 days', NULL);
         -- Sign-ins that expired two days and an hour ago, and one still live.
         INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, issued_at, expires_at)
         SELECT gen_random_uuid(), '{ada_id}', gen_random_uuid(), decode(md5(kind), 'hex'),
                now() - interval '40 days', now() + offset_by
           FROM (VALUES ('long expired', interval '-2 days'), ('just expired', interval '-1 hour'),
                        ('live', interval '20 days')) AS t (kind, offset_by);
         -- Password links that expired 40 and 10 days ago.
         INSERT INTO account_tokens (id, user_id, purpose, token_hash, created_at, expires_at) VALUES
           (gen_random_uuid(), '{ada_id}', 'password_reset', '\\x0a', now() - interval '41 days', now() - interval '40 days'),
           (gen_random_uuid(), '{ada_id}', 'password_reset', '\\x0b', now() - interval '11 days', now() - interval '10 days');
         -- Accounts disabled three years ago (one of them owing a fee) and one year ago.
         INSERT INTO users (id, email, name, role, hub_id, disabled_at)
         SELECT '00000000-0000-7000-8000-00000000d001', 'gone.long@school.example', 'Gone Long', 'lead', id,
                now() - interval '3 years'
           FROM hubs WHERE slug = 'london-central-and-west';
         INSERT INTO users (id, email, name, role, disabled_at)
         VALUES ('00000000-0000-7000-8000-00000000d002', 'gone.lately@school.example', 'Gone Lately', 'admin',
                 now() - interval '1 year');
         UPDATE users SET disabled_at = now() - interval '3 years' WHERE id = '{ben_id}';"
    ))
    .await;
    let periods = RetentionPeriods::default();
    let reach_before = reach(&app, &admin, "2021/22").await;
    let ledger_before = ledger(&app).await;
    let participants_before = participants(&app).await;

    let mut conn = app.database.connection().await;
    let due = expired(&mut conn, &periods).await.unwrap();
    assert_eq!(
        participants(&app).await,
        participants_before,
        "a dry run changes nothing"
    );
    assert_eq!(
        (
            due.audit_entries,
            due.messages,
            due.password_links,
            due.sign_ins,
            due.disabled_accounts
        ),
        (1, 1, 1, 1, 1)
    );

    // One (person, year) at a time, every batch but the last full; by two processes at once,
    // of which one sweeps and the other finds it sweeping (or nothing left).
    let (first, second) =
        tokio::join!(sweep(&app.pool, &periods, 1), sweep(&app.pool, &periods, 1));
    let mut swept = [first.unwrap(), second.unwrap()];
    swept.sort_by_key(|expired| expired.enrolments);
    assert_eq!(swept, [Expired::default(), due]);
    let orphans = "SELECT count(*) AS count FROM users u WHERE erased_at IS NOT NULL \
                     AND role = 'participant' \
                     AND NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.participant_id = u.id)";
    assert_eq!(app.query_count(orphans, &[]).await, 0);

    // Ada's year is detached from her: both enrolments to one tombstone, her words gone.
    let tombstone = participant_of(&app, &ada).await;
    assert_ne!(tombstone, ada_id);
    assert_eq!(
        participant_of(&app, &ada_again.to_string()).await,
        tombstone
    );
    assert_eq!(
        app.query_text(
            "SELECT name || ' ' || (erased_at IS NOT NULL) || ' ' || (disabled_at IS NOT NULL) AS value \
               FROM users WHERE id = $1::uuid",
            &[&tombstone],
        )
        .await,
        "Erased person true true"
    );
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM enrolments WHERE participant_id = $1::uuid \
              AND statement = '' AND status_reason IS NULL AND senior_leader_name IS NULL \
              AND senior_leader_role IS NULL AND senior_leader_agreed_at IS NULL",
            &[&tombstone],
        )
        .await,
        2
    );
    let audited = "SELECT count(*) AS count FROM audit_log WHERE object_id = $1 AND details = '{}'";
    assert_eq!(app.query_count(audited, &[&ada]).await, 1);
    // Ada herself stays, her account untouched; Ben's charged year keeps his name for longer.
    assert_eq!(
        app.query_text(
            "SELECT name AS value FROM users WHERE id = $1::uuid",
            &[&ada_id]
        )
        .await,
        "Ada Oldtimer"
    );
    assert_eq!(participant_of(&app, &ben).await, ben_id);
    let changed = participants(&app)
        .await
        .iter()
        .zip(&participants_before)
        .filter(|(after, before)| after != before)
        .count();
    assert_eq!(changed as i64, due.enrolments);

    // Every count of the year, and the ledger, as they were.
    assert_eq!(reach(&app, &admin, "2021/22").await, reach_before);
    assert_eq!(ledger(&app).await, ledger_before);

    // What remains of the rest is what is still within its period.
    let remaining = [
        (
            "SELECT count(*) AS count FROM audit_log WHERE object_type = 'hub' AND object_id IN ('old', 'recent')",
            1,
        ),
        (
            "SELECT count(*) AS count FROM outbox_messages WHERE recipient_id = $1::uuid",
            2,
        ),
        (
            "SELECT count(*) AS count FROM account_tokens WHERE user_id = $1::uuid",
            1,
        ),
        (
            "SELECT count(*) AS count FROM refresh_tokens WHERE user_id = $1::uuid",
            2,
        ),
    ];
    for (sql, count) in remaining {
        let binds: &[&str] = if sql.contains("$1") { &[&ada_id] } else { &[] };
        assert_eq!(app.query_count(sql, binds).await, count, "{sql}");
    }
    let erased = "SELECT coalesce(string_agg(email, ',' ORDER BY email), '') AS value FROM users \
                   WHERE email IN ('gone.long@school.example', 'gone.lately@school.example') \
                      OR id = $1::uuid AND erased_at IS NOT NULL";
    // The lead disabled long ago is erased; the admin disabled lately and Ben (his school
    // owes a fee) are not.
    assert_eq!(
        app.query_text(erased, &[&ben_id]).await,
        "gone.lately@school.example"
    );
    let retention_erasures = "SELECT count(*) AS count FROM audit_log WHERE action = 'user.erased' \
                               AND actor_id IS NULL AND object_id = '00000000-0000-7000-8000-00000000d001'";
    assert_eq!(app.query_count(retention_erasures, &[]).await, 1);

    // Nothing is left to do, and a second sweep does nothing.
    assert_eq!(
        expired(&mut conn, &periods).await.unwrap(),
        Expired::default()
    );
    assert_eq!(
        sweep(&app.pool, &periods, 500).await.unwrap(),
        Expired::default()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_reports_what_would_go_and_changes_nothing_on_a_dry_run() {
    let app = TestApp::spawn_with_demo().await;
    hold_places(&app, LCW, &["Ada Oldtimer"]).await;
    let before = participants(&app).await;
    let periods = RetentionPeriods::default();
    // A year with a group still going, as one nobody moved on may be, waits for it.
    reopen_documented_group(&app, LCW).await;
    let waiting = expired(&mut app.database.connection().await, &periods)
        .await
        .unwrap();
    assert_eq!(waiting.enrolments, 0);
    app.execute(&format!(
        "UPDATE work_groups SET status = 'completed' WHERE code = '{LCW}'"
    ))
    .await;
    let due = expired(&mut app.database.connection().await, &periods)
        .await
        .unwrap();
    assert!(
        due.enrolments > 0,
        "the demo's 2021/22 has ended three years since"
    );

    let output = crate::cli::mathshub(&app.database, &["retention", "--dry-run"], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(report.contains("dry run"), "{report}");
    assert!(
        report.contains(&format!("{:>8} enrolments detached", due.enrolments)),
        "{report}"
    );
    assert_eq!(participants(&app).await, before);

    // Periods are settings: with participation kept for 100 years nothing of it is due.
    let output = crate::cli::mathshub(
        &app.database,
        &[
            "retention",
            "--dry-run",
            "--retain-participation-years",
            "100",
            "--retain-fees-years",
            "100",
        ],
        "",
    );
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(report.contains("       0 enrolments detached"), "{report}");

    let output = crate::cli::mathshub(&app.database, &["retention"], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(participants(&app).await, before);
    assert_eq!(
        expired(&mut app.database.connection().await, &periods)
            .await
            .unwrap(),
        Expired::default()
    );
}
