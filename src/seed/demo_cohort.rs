//! The demo as a newcomer meets it: the source documents describe 2021/22, long over (the
//! status clock shows those groups completed), so `cargo run` also opens the next cohort of
//! London Central and West's Secondary Subject Leadership group for expressions of interest.
//! It is the 2021/22 group moved on by whole years to the first year whose deadline is still
//! ahead: same London times, same leads, same venue, no enrolments.

use chrono::{DateTime, Datelike, Utc};
use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

/// The group the cohort repeats, and its project.
const SOURCE_GROUP: &str = "LCW21-15-01";
const SOURCE_PROJECT: &str = "NCP21-15";
const SOURCE_START_YEAR: i32 = 2021;

#[derive(diesel::QueryableByName)]
struct Deadline {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    eoi_deadline: DateTime<Utc>,
}

/// How many years after 2021/22 the next cohort runs: the first whose deadline is after `now`.
fn years_on(source_deadline: DateTime<Utc>, now: DateTime<Utc>) -> i32 {
    let mut years = (now.year() - SOURCE_START_YEAR).max(1);
    while source_deadline
        .with_year(source_deadline.year() + years)
        .is_some_and(|deadline| deadline <= now)
    {
        years += 1;
    }
    years
}

/// Opens the next cohort (idempotent); the code of its group.
pub async fn open_next_cohort(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> diesel::QueryResult<String> {
    conn.transaction(async |conn| {
        let source: Deadline = diesel::sql_query(
            "SELECT eoi_deadline FROM work_groups WHERE code = $1",
        )
        .bind::<Text, _>(SOURCE_GROUP)
        .get_result(conn)
        .await?;
        let years = years_on(source.eoi_deadline, now);
        let start = SOURCE_START_YEAR + years;
        let academic_year = format!("{start}/{:02}", (start + 1) % 100);
        let yy = start % 100;
        let project = format!("NCP{yy:02}-15");
        let group = format!("LCW{yy:02}-15-01");
        // London wall-clock times survive the move across clock changes.
        conn.batch_execute("SET LOCAL TimeZone = 'Europe/London'").await?;
        diesel::sql_query(
            "INSERT INTO projects (id, code, kind, title, academic_year, phases, outline, roles_allowed,
                    roles_excluded, school_phases, length, cost_pence, non_attendance_fee_pence,
                    cancellation_notice_days, participation_min_percent, expectations, session_days)
             SELECT gen_random_uuid(), $2, kind, title, $3, phases, outline, roles_allowed,
                    roles_excluded, school_phases, length, cost_pence, non_attendance_fee_pence,
                    cancellation_notice_days, participation_min_percent, expectations, session_days
               FROM projects WHERE code = $1
             ON CONFLICT (code) DO NOTHING",
        )
        .bind::<Text, _>(SOURCE_PROJECT)
        .bind::<Text, _>(&project)
        .bind::<Text, _>(&academic_year)
        .execute(conn)
        .await?;
        let created = diesel::sql_query(
            "INSERT INTO work_groups (id, hub_id, project_id, academic_year, code, title, phase, mode,
                    capacity, admission, eoi_deadline, status, venue_name, venue_address,
                    venue_postcode, description)
             SELECT gen_random_uuid(), g.hub_id, p.id, p.academic_year, $2, g.title, g.phase, g.mode,
                    g.capacity, g.admission, g.eoi_deadline + make_interval(years => $4), 'open',
                    g.venue_name, g.venue_address, g.venue_postcode, g.description
               FROM work_groups g, projects p
              WHERE g.code = $1 AND p.code = $3
             ON CONFLICT (academic_year, code) DO NOTHING",
        )
        .bind::<Text, _>(SOURCE_GROUP)
        .bind::<Text, _>(&group)
        .bind::<Text, _>(&project)
        .bind::<Integer, _>(years)
        .execute(conn)
        .await?;
        if created == 0 {
            return Ok(group);
        }
        diesel::sql_query(
            "INSERT INTO work_group_leads (work_group_id, user_id, role)
             SELECT new.id, l.user_id, l.role
               FROM work_groups old JOIN work_group_leads l ON l.work_group_id = old.id,
                    work_groups new
              WHERE old.code = $1 AND new.code = $2",
        )
        .bind::<Text, _>(SOURCE_GROUP)
        .bind::<Text, _>(&group)
        .execute(conn)
        .await?;
        diesel::sql_query(
            "INSERT INTO sessions (id, work_group_id, kind, mode, starts_at, ends_at, venue_name,
                    venue_address, venue_postcode, joining_link, notes)
             SELECT gen_random_uuid(), new.id, s.kind, s.mode,
                    s.starts_at + make_interval(years => $3), s.ends_at + make_interval(years => $3),
                    s.venue_name, s.venue_address, s.venue_postcode, s.joining_link, s.notes
               FROM work_groups old JOIN sessions s ON s.work_group_id = old.id, work_groups new
              WHERE old.code = $1 AND new.code = $2",
        )
        .bind::<Text, _>(SOURCE_GROUP)
        .bind::<Text, _>(&group)
        .bind::<Integer, _>(years)
        .execute(conn)
        .await?;
        Ok(group)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn the_cohort_is_the_first_whose_deadline_is_ahead() {
        let deadline = Utc.with_ymd_and_hms(2021, 11, 1, 23, 59, 0).unwrap();
        assert_eq!(years_on(deadline, at(2026, 10, 1)), 5);
        assert_eq!(years_on(deadline, at(2026, 11, 23)), 6);
        assert_eq!(years_on(deadline, at(2027, 3, 1)), 6);
        assert_eq!(years_on(deadline, at(2021, 10, 1)), 1);
    }
}
