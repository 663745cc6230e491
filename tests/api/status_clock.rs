//! The status clock moves published work groups on as time passes, over a real database:
//! closed after the deadline, running from the first session, completed after the last;
//! drafts and cancelled groups stay; each move is audited and fed to partners exactly once.

use mathshub::db::status_clock;

use crate::helpers::TestApp;

async fn status_of(app: &TestApp, code: &str) -> String {
    app.query_text(
        "SELECT status AS value FROM work_groups WHERE code = $1",
        &[code],
    )
    .await
}

/// The documents' five groups, 2021/22, open again and placed around now: GLOW21-91-01 still
/// open (deadline and sessions ahead), GLOW21-93-01 past its deadline, GLOW21-94-01 in its
/// first session, GLOW21-94-02 a draft and LCW21-15-01 as it was (every session over).
async fn groups_around_now(app: &TestApp) {
    app.execute(
        "UPDATE work_groups SET status = 'open' WHERE academic_year = '2021/22';
         UPDATE sessions s SET starts_at = s.starts_at + interval '10 years', ends_at = s.ends_at + interval '10 years'
           FROM work_groups g WHERE g.id = s.work_group_id AND g.code LIKE 'GLOW21-%';
         UPDATE work_groups SET eoi_deadline = now() + interval '1 day' WHERE code = 'GLOW21-91-01';
         UPDATE work_groups SET eoi_deadline = now() - interval '1 minute' WHERE code = 'GLOW21-93-01';
         UPDATE work_groups SET eoi_deadline = now() - interval '1 day' WHERE code = 'GLOW21-94-01';
         UPDATE sessions SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour'
          WHERE id = (SELECT s.id FROM sessions s JOIN work_groups g ON g.id = s.work_group_id
                       WHERE g.code = 'GLOW21-94-01' ORDER BY s.starts_at LIMIT 1);
         UPDATE sessions s SET starts_at = s.starts_at - interval '20 years', ends_at = s.ends_at - interval '20 years'
           FROM work_groups g WHERE g.id = s.work_group_id AND g.code = 'GLOW21-94-02';
         UPDATE work_groups SET status = 'draft' WHERE code = 'GLOW21-94-02';",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_group_moves_to_the_status_its_times_call_for() {
    let app = TestApp::spawn_with_demo().await;
    groups_around_now(&app).await;

    let moved = status_clock::tick(&app.pool).await.unwrap();

    assert_eq!(moved, 3);
    assert_eq!(status_of(&app, "GLOW21-91-01").await, "open");
    assert_eq!(status_of(&app, "GLOW21-93-01").await, "closed");
    assert_eq!(status_of(&app, "GLOW21-94-01").await, "running");
    assert_eq!(status_of(&app, "GLOW21-94-02").await, "draft");
    assert_eq!(status_of(&app, "LCW21-15-01").await, "completed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_group_is_completed_after_its_last_session_and_a_cancelled_one_stays() {
    let app = TestApp::spawn_with_demo().await;
    app.execute(
        "UPDATE work_groups SET status = 'running' WHERE code = 'LCW21-15-01';
         UPDATE work_groups SET status = 'cancelled', cancellation_reason = 'Venue closed' \
          WHERE code = 'GLOW21-91-01';",
    )
    .await;

    status_clock::tick(&app.pool).await.unwrap();

    assert_eq!(status_of(&app, "LCW21-15-01").await, "completed");
    assert_eq!(status_of(&app, "GLOW21-91-01").await, "cancelled");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_move_is_audited_without_an_actor_and_fed_to_partners() {
    let app = TestApp::spawn_with_demo().await;
    groups_around_now(&app).await;

    status_clock::tick(&app.pool).await.unwrap();

    let audited = app
        .query_text(
            "SELECT string_agg(g.code || ':' || (a.details->>'before') || '>' || (a.details->>'after'), ',' ORDER BY g.code) AS value \
               FROM audit_log a JOIN work_groups g ON g.id::text = a.object_id \
              WHERE a.action = 'work_group.status_changed' AND a.actor_id IS NULL \
                AND a.details->>'reason' = 'time'",
            &[],
        )
        .await;
    assert_eq!(
        audited,
        "GLOW21-93-01:open>closed,GLOW21-94-01:open>running,LCW21-15-01:open>completed"
    );
    let fed = app
        .query_text(
            "SELECT string_agg(g.code || ':' || e.kind, ',' ORDER BY g.code) AS value \
               FROM work_group_events e JOIN work_groups g ON g.id = e.work_group_id",
            &[],
        )
        .await;
    assert_eq!(
        fed,
        "GLOW21-93-01:closed,GLOW21-94-01:running,LCW21-15-01:completed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ticks_at_once_from_several_processes_move_each_group_once() {
    let app = TestApp::spawn_with_demo().await;
    groups_around_now(&app).await;

    let ticks = futures_util::future::join_all((0..4).map(|_| status_clock::tick(&app.pool))).await;

    let moved: usize = ticks.into_iter().map(Result::unwrap).sum();
    assert_eq!(moved, 3);
    let events = app
        .query_count("SELECT count(*) AS count FROM work_group_events", &[])
        .await;
    assert_eq!(events, 3);
    assert_eq!(status_clock::tick(&app.pool).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_moved_later_before_the_tick_keeps_the_group_from_running() {
    let app = TestApp::spawn_with_demo().await;
    groups_around_now(&app).await;
    // The lead moves the session that had begun to next week: the group's deadline has
    // passed, but its first session is ahead again.
    app.execute(
        "UPDATE sessions SET starts_at = now() + interval '7 days', ends_at = now() + interval '7 days 2 hours'
          WHERE id = (SELECT s.id FROM sessions s JOIN work_groups g ON g.id = s.work_group_id
                       WHERE g.code = 'GLOW21-94-01' ORDER BY s.starts_at LIMIT 1);",
    )
    .await;

    status_clock::tick(&app.pool).await.unwrap();

    assert_eq!(status_of(&app, "GLOW21-94-01").await, "closed");
}
