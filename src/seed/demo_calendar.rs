//! When the demo's living offer meets, as a function of today's date in London: blocks of
//! sessions ahead in term time, all in one academic year, and a group under way whose
//! school-based task spans today. Dates only; the offer (`demo_offer`) adds the London
//! wall-clock times.
//!
//! The school year here is the demo's simplification: the autumn term from 8 September to
//! 15 December, the spring and summer terms from 6 January to 18 July.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;

use crate::domain::AcademicYear;

/// Today's date in London at `now`.
pub fn london_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&London).date_naive()
}

/// The instant of a London wall-clock time on `date`: GMT or BST as the date falls.
pub fn london(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    London
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .expect("the demo's times are daytime hours, which London never skips")
        .with_timezone(&Utc)
}

/// A London wall-clock time, `hour:minute`.
pub const fn clock(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(time) => time,
        None => panic!("not a time of day"),
    }
}

fn days_after(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).expect("a date")
}

pub(super) fn days_before(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days)).expect("a date")
}

/// Whether schools teach on `date`.
fn in_term(date: NaiveDate) -> bool {
    !matches!(
        (date.month(), date.day()),
        (12, 16..) | (1, ..=5) | (7, 19..) | (8, _) | (9, ..=7)
    )
}

/// The first `weekday` in term on or after `from`.
fn next_teaching(from: NaiveDate, weekday: Weekday) -> NaiveDate {
    from.iter_days()
        .find(|date| date.weekday() == weekday && in_term(*date))
        .expect("a term comes round every year")
}

/// The last `weekday` in term on or before `until`.
fn previous_teaching(until: NaiveDate, weekday: Weekday) -> NaiveDate {
    let mut date = until;
    while date.weekday() != weekday || !in_term(date) {
        date = days_before(date, 1);
    }
    date
}

/// The first day of the autumn term of the academic year starting in `year`.
fn autumn_term(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 9, 8).expect("a date")
}

/// How the sessions of a group ahead fall: the first at least `lead_weeks` after today,
/// then each `gaps_weeks` after the one before, every one on a `weekday` in term.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    pub lead_weeks: u64,
    pub gaps_weeks: &'static [u64],
    pub weekday: Weekday,
}

impl Block {
    /// The dates from `earliest` on (later than the gaps alone when a holiday intervenes).
    fn dates_from(&self, earliest: NaiveDate) -> Vec<NaiveDate> {
        let mut dates = vec![next_teaching(earliest, self.weekday)];
        for gap in self.gaps_weeks {
            let previous = *dates.last().expect("the first date");
            dates.push(next_teaching(days_after(previous, gap * 7), self.weekday));
        }
        dates
    }
}

/// A block laid out: the earliest day it could start, and its dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaidOut {
    pub earliest: NaiveDate,
    pub dates: Vec<NaiveDate>,
}

/// The dates of every block, all in one academic year: the one they fall in from `today`,
/// or, when some would run past the summer, the next one, from its autumn term on (each
/// block as many weeks into it as it is ahead of today, so their order stays).
pub fn lay_out(today: NaiveDate, blocks: &[Block]) -> Vec<LaidOut> {
    let from = |start: NaiveDate| -> Vec<LaidOut> {
        blocks
            .iter()
            .map(|block| {
                let earliest = days_after(start, block.lead_weeks * 7);
                LaidOut {
                    earliest,
                    dates: block.dates_from(earliest),
                }
            })
            .collect()
    };
    let from_today = from(today);
    let years: Vec<AcademicYear> = from_today
        .iter()
        .flat_map(|block| &block.dates)
        .map(|date| AcademicYear::containing(*date))
        .collect();
    if years.windows(2).all(|pair| pair[0] == pair[1]) {
        return from_today;
    }
    from(autumn_term(
        AcademicYear::containing(today).start_year() + 1,
    ))
}

/// The dates of a group under way: a week-long school-based task from three days before
/// today to three days after (so the group is running at any hour of today), with a
/// workshop on a `weekday` in term at least two weeks before and after it when that falls
/// in the same academic year as the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnderWay {
    pub workshop_before: Option<NaiveDate>,
    pub task: (NaiveDate, NaiveDate),
    pub workshop_after: Option<NaiveDate>,
}

/// London calendar days a school-based task of a group under way spans: its project must
/// allow sessions this long.
pub const TASK_DAYS: u16 = 7;

pub fn under_way(today: NaiveDate, weekday: Weekday) -> UnderWay {
    let task = (days_before(today, 3), days_after(today, 3));
    let year = AcademicYear::containing(task.0);
    let same_year = |date: NaiveDate| (AcademicYear::containing(date) == year).then_some(date);
    UnderWay {
        workshop_before: same_year(previous_teaching(days_before(today, 14), weekday)),
        task,
        workshop_after: same_year(next_teaching(days_after(today, 14), weekday)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const THREE_SESSIONS: Block = Block {
        lead_weeks: 5,
        gaps_weeks: &[6, 8],
        weekday: Weekday::Thu,
    };

    #[test]
    fn wall_clock_times_keep_their_london_hour_across_the_clock_change() {
        let at = |d| london(d, clock(9, 30)).to_rfc3339();
        assert_eq!(at(date(2027, 3, 27)), "2027-03-27T09:30:00+00:00");
        assert_eq!(at(date(2027, 3, 28)), "2027-03-28T08:30:00+00:00");
        assert_eq!(at(date(2027, 10, 31)), "2027-10-31T09:30:00+00:00");
    }

    #[test]
    fn a_block_in_the_autumn_stays_in_this_academic_year_on_its_weekday() {
        let dates = &lay_out(date(2026, 9, 15), &[THREE_SESSIONS])[0].dates;
        assert_eq!(
            dates,
            &[date(2026, 10, 22), date(2026, 12, 3), date(2027, 1, 28)]
        );
    }

    #[test]
    fn a_session_due_in_a_holiday_moves_to_the_first_week_of_term() {
        let dates = &lay_out(date(2026, 10, 20), &[THREE_SESSIONS])[0].dates;
        // 24 November, then six weeks on is the Christmas holiday: 7 January instead.
        assert_eq!(
            dates,
            &[date(2026, 11, 26), date(2027, 1, 7), date(2027, 3, 4)]
        );
    }

    #[test]
    fn blocks_that_would_run_past_the_summer_all_start_next_autumn_in_order() {
        let short = Block {
            lead_weeks: 4,
            gaps_weeks: &[],
            weekday: Weekday::Wed,
        };
        let blocks = lay_out(date(2027, 5, 3), &[THREE_SESSIONS, short]);
        assert_eq!(blocks[0].earliest, date(2027, 10, 13));
        assert_eq!(blocks[0].dates[0], date(2027, 10, 14));
        assert_eq!(blocks[1].dates[0], date(2027, 10, 6));
        for date in blocks.iter().flat_map(|block| &block.dates) {
            assert_eq!(AcademicYear::containing(*date).as_str(), "2027/28");
        }
    }

    #[test]
    fn in_august_the_blocks_fall_in_the_year_about_to_start() {
        let dates = &lay_out(date(2027, 8, 10), &[THREE_SESSIONS])[0].dates;
        assert_eq!(dates[0], date(2027, 9, 16));
        assert_eq!(AcademicYear::containing(dates[2]).as_str(), "2027/28");
    }

    #[test]
    fn a_group_under_way_keeps_its_workshops_in_the_task_s_academic_year() {
        assert_eq!(
            under_way(date(2027, 1, 20), Weekday::Wed),
            UnderWay {
                workshop_before: Some(date(2027, 1, 6)),
                task: (date(2027, 1, 17), date(2027, 1, 23)),
                workshop_after: Some(date(2027, 2, 3)),
            }
        );
        // On 1 September the task began in August: the workshops around it would be in
        // July (the same year) and September (the next one).
        let first_of_september = under_way(date(2027, 9, 1), Weekday::Wed);
        assert_eq!(first_of_september.workshop_before, Some(date(2027, 7, 14)));
        assert_eq!(first_of_september.workshop_after, None);
        let a_week_in = under_way(date(2027, 9, 8), Weekday::Wed);
        assert_eq!(a_week_in.workshop_before, None);
        assert_eq!(a_week_in.workshop_after, Some(date(2027, 9, 22)));
    }
}
