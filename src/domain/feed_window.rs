//! How far the hub and personal calendar feeds reach: the academic year under way and the
//! next (1 September to 31 August, London time), so a calendar holds the year being taught
//! and the one being planned, and a hub's feed stays small however many years it has run.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Europe::London;

use super::session_times::london_midnight;

/// Sessions that end after `from` and start before `until` are in a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedWindow {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The calendar year the first academic year starts in.
    first_year: i32,
}

impl FeedWindow {
    /// The window at `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        let today = now.with_timezone(&London).date_naive();
        let first_year = if today.month() >= 9 {
            today.year()
        } else {
            today.year() - 1
        };
        let first_september =
            |year| london_midnight(NaiveDate::from_ymd_opt(year, 9, 1).expect("a date"));
        Self {
            from: first_september(first_year),
            until: first_september(first_year + 2),
            first_year,
        }
    }

    /// The two academic years, in words: `2026/27 and 2027/28`.
    pub fn academic_years(&self) -> String {
        let year = |start: i32| format!("{start}/{:02}", (start + 1) % 100);
        format!(
            "{} and {}",
            year(self.first_year),
            year(self.first_year + 1)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_at(instant: &str) -> (String, String) {
        let window = FeedWindow::at(instant.parse().unwrap());
        (window.from.to_rfc3339(), window.until.to_rfc3339())
    }

    #[test]
    fn the_window_is_this_academic_year_and_the_next_in_london_time() {
        let autumn_2026 = (
            "2026-08-31T23:00:00+00:00".to_owned(),
            "2028-08-31T23:00:00+00:00".to_owned(),
        );
        assert_eq!(window_at("2026-11-24T12:00:00Z"), autumn_2026);
        // 00:30 on 1 September in London is still 31 August in UTC: the new year has begun.
        assert_eq!(window_at("2026-08-31T23:30:00Z"), autumn_2026);
        assert_eq!(
            window_at("2026-08-31T22:30:00Z"),
            (
                "2025-08-31T23:00:00+00:00".to_owned(),
                "2027-08-31T23:00:00+00:00".to_owned()
            )
        );
        assert_eq!(window_at("2027-03-01T12:00:00Z"), autumn_2026);
        let window = FeedWindow::at("2099-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(window.academic_years(), "2098/99 and 2099/00");
    }
}
