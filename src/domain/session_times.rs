//! When a session may be: it ends after it starts, on the same day in London (or within as
//! many days as its project allows), and within its work group's academic year (1 September
//! to 31 August, London time).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;

use super::AcademicYear;

/// Midnight in London at the start of `date`, as an instant.
pub(crate) fn london_midnight(date: NaiveDate) -> DateTime<Utc> {
    London
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .earliest()
        .expect("midnight is never skipped in London")
        .with_timezone(&Utc)
}

/// Every rule the times break, as (field, message). A session may span `days` London
/// calendar days (its project's allowance; 1: the same day).
pub fn problems(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    days: u16,
    year: &AcademicYear,
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    let spanned =
        ends_at.with_timezone(&London).date_naive() - starts_at.with_timezone(&London).date_naive();
    if ends_at <= starts_at {
        problems.push(("ends_at", "must be after starts_at".to_owned()));
    } else if spanned.num_days() >= i64::from(days) {
        let message = match days {
            1 => "must be on the same day (in London) as starts_at".to_owned(),
            _ => format!(
                "must be within {days} days (in London) of starts_at, as the project allows"
            ),
        };
        problems.push(("ends_at", message));
    }
    let first = london_midnight(NaiveDate::from_ymd_opt(year.start_year(), 9, 1).expect("a date"));
    let after_last =
        london_midnight(NaiveDate::from_ymd_opt(year.start_year() + 1, 9, 1).expect("a date"));
    if starts_at < first || starts_at >= after_last {
        problems.push((
            "starts_at",
            format!(
                "must fall in the group's academic year {} (1 September {} to 31 August {})",
                year.as_str(),
                year.start_year(),
                year.start_year() + 1
            ),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        crate::domain::parse_instant(text).unwrap()
    }

    fn year() -> AcademicYear {
        AcademicYear::parse("2021/22").unwrap()
    }

    #[test]
    fn a_day_session_in_the_year_is_fine_in_winter_and_in_summer() {
        assert!(
            problems(
                at("2021-11-17T09:30:00+00:00"),
                at("2021-11-17T14:30:00+00:00"),
                1,
                &year()
            )
            .is_empty()
        );
        assert!(
            problems(
                at("2022-06-15T09:30:00+01:00"),
                at("2022-06-15T15:00:00+01:00"),
                1,
                &year()
            )
            .is_empty()
        );
    }

    #[test]
    fn the_end_must_follow_the_start_on_the_same_london_day() {
        let backwards = problems(
            at("2021-11-17T14:30:00Z"),
            at("2021-11-17T09:30:00Z"),
            1,
            &year(),
        );
        assert_eq!(backwards[0].0, "ends_at");
        let overnight = problems(
            at("2021-11-17T20:00:00Z"),
            at("2021-11-18T01:00:00Z"),
            1,
            &year(),
        );
        assert!(overnight[0].1.contains("same day"), "{overnight:?}");
        // 23:30 to 00:30 UTC on a summer night is 00:30 to 01:30 in London: one day.
        assert!(
            problems(
                at("2022-06-14T23:30:00Z"),
                at("2022-06-15T00:30:00Z"),
                1,
                &year()
            )
            .is_empty()
        );
    }

    #[test]
    fn a_project_may_allow_sessions_over_several_london_days() {
        let residential = (at("2021-11-17T09:30:00Z"), at("2021-11-18T16:00:00Z"));
        assert!(problems(residential.0, residential.1, 2, &year()).is_empty());
        let too_long = problems(residential.0, at("2021-11-19T16:00:00Z"), 2, &year());
        assert!(too_long[0].1.contains("within 2 days"), "{too_long:?}");
        let one_day = problems(residential.0, residential.1, 1, &year());
        assert!(one_day[0].1.contains("same day"), "{one_day:?}");
    }

    #[test]
    fn sessions_outside_the_academic_year_are_refused_at_london_midnight() {
        // 31 August 23:30 BST is still the old year's last day.
        assert!(
            problems(
                at("2022-08-31T21:00:00Z"),
                at("2022-08-31T22:30:00Z"),
                1,
                &year()
            )
            .is_empty()
        );
        // 1 September 00:30 BST belongs to the next year.
        let next = problems(
            at("2022-08-31T23:30:00Z"),
            at("2022-09-01T08:00:00Z"),
            1,
            &year(),
        );
        assert!(
            next.iter().any(|(field, _)| *field == "starts_at"),
            "{next:?}"
        );
        let before = problems(
            at("2021-08-31T09:00:00+01:00"),
            at("2021-08-31T10:00:00+01:00"),
            1,
            &year(),
        );
        assert!(
            before.iter().any(|(field, _)| *field == "starts_at"),
            "{before:?}"
        );
    }
}
