//! Sessions as iCalendar (RFC 5545), for every calendar feed: one event per session with its
//! work group, times in Europe/London with that zone's VTIMEZONE (so a calendar shows a
//! session at its London wall-clock time on either side of a clock change), written by the
//! `ics` crate (the `icalendar` crate cannot write a VTIMEZONE: it stamps every component
//! with a DTSTAMP and UID). `to_ics` turns any list of `Entry` into a feed, whoever selected
//! them.
//!
//! An event's `UID` is `session-<id>@mathshub.invalid`, the same in every feed and every
//! deployment; its `SEQUENCE` is the session's revision (bumped in the database on every
//! change of time, place, mode or joining link, and on its cancellation), plus one once its
//! group is cancelled; its `DTSTAMP` is when what it shows last changed, so an unchanged feed
//! is byte for byte the same (and its `ETag` too). `URL` is the work group in this API. A
//! session cancelled on its own or with its group is a `STATUS:CANCELLED` event saying why.

use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use ics::components::Property;
use ics::properties::{
    Description, DtEnd, DtStart, LastModified, Location, Name, RefreshInterval, Sequence, Status,
    Summary, TzName, URL,
};
use ics::{Daylight, Event, ICalendar, Standard, TimeZone, escape_text, parameters};
use uuid::Uuid;

use crate::api::refs::Venue;
use crate::config::PublicUrl;
use crate::domain::{SessionKind, SessionMode, WorkGroupStatus};

/// The media type of every feed.
pub const MEDIA_TYPE: &str = "text/calendar; charset=utf-8";
const TZID: &str = "Europe/London";
/// Right-hand side of every event's `UID`: fixed, so moving the API keeps events the same.
const UID_DOMAIN: &str = "mathshub.invalid";
/// How often a calendar app should fetch a feed again (RFC 7986 `REFRESH-INTERVAL`).
const REFRESH: &str = "PT1H";

/// One session with its work group, as a calendar shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub session_id: Uuid,
    pub kind: SessionKind,
    pub mode: SessionMode,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: Option<Venue>,
    pub notes: Option<String>,
    /// The session's revision: how many times its time, place, mode or link changed, and
    /// one more once it is cancelled.
    pub revision: i32,
    /// Whether the session itself is cancelled (whatever its group's status), and why.
    pub cancelled: bool,
    pub cancellation_reason: Option<String>,
    /// When what the event shows last changed, the session or its group.
    pub changed_at: DateTime<Utc>,
    pub group: EntryGroup,
    /// Only in a personal feed, and only where the policy lets its owner see it.
    pub joining_link: Option<String>,
}

impl Entry {
    /// Whether the session is off: cancelled itself, or with its group.
    fn is_cancelled(&self) -> bool {
        self.cancelled || self.group.status == WorkGroupStatus::Cancelled
    }
}

/// The work group of an entry.
#[derive(Debug, Clone)]
pub struct EntryGroup {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub hub_name: String,
    pub status: WorkGroupStatus,
    pub cancellation_reason: Option<String>,
}

/// What a feed as a whole is called, as calendar apps name the subscription.
pub struct Feed<'a> {
    pub name: &'a str,
    pub description: &'a str,
}

/// The feed of `entries`, in their order.
pub fn to_ics(feed: &Feed<'_>, entries: &[Entry], public_url: &PublicUrl) -> String {
    let mut calendar = ICalendar::new("2.0", "-//Maths Hubs API//Calendar feeds//EN");
    calendar.push(Property::new("CALSCALE", "GREGORIAN"));
    calendar.push(Name::new(escape_text(feed.name)));
    calendar.push(Property::new("X-WR-CALNAME", escape_text(feed.name)));
    calendar.push(Property::new("X-WR-CALDESC", escape_text(feed.description)));
    calendar.push(Property::new("X-WR-TIMEZONE", TZID));
    calendar.push(RefreshInterval::new(REFRESH));
    calendar.push(Property::new("X-PUBLISHED-TTL", REFRESH));
    calendar.add_timezone(london());
    for entry in entries {
        calendar.add_event(event(entry, public_url));
    }
    calendar.to_string()
}

/// A 200 answer carrying a feed, saved as `filename` by a browser.
pub fn response(filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(MEDIA_TYPE)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename.to_owned())],
        })
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// Europe/London as the United Kingdom has kept it since 1996 (every session is later): BST
/// from 01:00 GMT on the last Sunday of March to 02:00 BST on the last Sunday of October.
fn london() -> TimeZone<'static> {
    let mut summer = Daylight::new("19700329T010000", "+0000", "+0100");
    summer.push(TzName::new("BST"));
    summer.push(Property::new("RRULE", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"));
    let mut winter = Standard::new("19701025T020000", "+0100", "+0000");
    winter.push(TzName::new("GMT"));
    winter.push(Property::new("RRULE", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"));
    let mut zone = TimeZone::daylight(TZID, summer);
    zone.add_standard(winter);
    zone
}

fn utc_stamp(instant: DateTime<Utc>) -> String {
    instant.format("%Y%m%dT%H%M%SZ").to_string()
}

fn london_local(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&London)
        .format("%Y%m%dT%H%M%S")
        .to_string()
}

fn event<'a>(entry: &Entry, public_url: &PublicUrl) -> Event<'a> {
    let group_cancelled = entry.group.status == WorkGroupStatus::Cancelled;
    let mut event = Event::new(
        format!("session-{}@{UID_DOMAIN}", entry.session_id),
        utc_stamp(entry.changed_at),
    );
    event.push(LastModified::new(utc_stamp(entry.changed_at)));
    // The session's own cancellation moved its revision on already; its group's is counted here.
    event.push(Sequence::new(
        (entry.revision + i32::from(group_cancelled)).to_string(),
    ));
    event.push(if entry.is_cancelled() {
        Status::cancelled()
    } else if entry.group.status == WorkGroupStatus::Draft {
        Status::tentative()
    } else {
        Status::confirmed()
    });
    event.push(Summary::new(escape_text(summary(entry))));
    let mut starts = DtStart::new(london_local(entry.starts_at));
    starts.append(parameters!("TZID" => TZID));
    event.push(starts);
    let mut ends = DtEnd::new(london_local(entry.ends_at));
    ends.append(parameters!("TZID" => TZID));
    event.push(ends);
    if let Some(location) = location(entry) {
        event.push(Location::new(escape_text(location)));
    }
    event.push(Description::new(escape_text(description(entry))));
    event.push(URL::new(
        public_url.join(&format!("/api/v1/work-groups/{}", entry.group.id)),
    ));
    event
}

fn kind_label(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Workshop => "workshop",
        SessionKind::SchoolBasedTask => "school-based task",
    }
}

fn summary(entry: &Entry) -> String {
    let summary = format!("{} ({})", entry.group.title, kind_label(entry.kind));
    if entry.is_cancelled() {
        format!("Cancelled: {summary}")
    } else {
        summary
    }
}

/// The venue, in one line; "Online" for an online session.
fn location(entry: &Entry) -> Option<String> {
    match entry.mode {
        SessionMode::Online => Some("Online".into()),
        SessionMode::FaceToFace => entry.venue.as_ref().map(|venue| {
            [&venue.name, &venue.address, &venue.postcode]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        }),
    }
}

/// "`what` is cancelled", with its reason when one was given.
fn cancelled_line(what: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("{what} is cancelled: {reason}"),
        None => format!("{what} is cancelled."),
    }
}

fn description(entry: &Entry) -> String {
    let group = &entry.group;
    let mut lines = vec![format!(
        "{} {}: a {} of {}.",
        group.code,
        group.title,
        kind_label(entry.kind),
        group.hub_name
    )];
    if entry.cancelled {
        lines.push(cancelled_line(
            "The session",
            entry.cancellation_reason.as_deref(),
        ));
    }
    if group.status == WorkGroupStatus::Cancelled {
        lines.push(cancelled_line(
            "The work group",
            group.cancellation_reason.as_deref(),
        ));
    }
    if entry.mode == SessionMode::Online && !entry.is_cancelled() {
        lines.push(match &entry.joining_link {
            Some(link) => format!("Join online: {link}"),
            None => "Online: the joining link is for the group's participants and leads.".into(),
        });
    }
    if let Some(notes) = &entry.notes {
        lines.push(notes.clone());
    }
    lines.join("\n")
}

/// An example feed for the OpenAPI document, written by `to_ics` itself: a summer workshop
/// at a school and an online session, whose joining link only a personal feed shows.
pub fn example(personal: bool) -> String {
    let at = |text: &str| text.parse().expect("a valid instant");
    let group = EntryGroup {
        id: Uuid::from_u128(0x0193_1b8e_7c2a_7d3e_9a41_3c5f_0e2b_7a10),
        code: "LCW21-15-01".into(),
        title: "Secondary Subject Leadership".into(),
        hub_name: "London Central and West Maths Hub".into(),
        status: WorkGroupStatus::Open,
        cancellation_reason: None,
    };
    let workshop = Entry {
        session_id: Uuid::from_u128(0x0193_1b8f_0000_7000_8000_0000_0000_0702),
        kind: SessionKind::Workshop,
        mode: SessionMode::FaceToFace,
        starts_at: at("2022-05-25T08:30:00Z"),
        ends_at: at("2022-05-25T13:30:00Z"),
        venue: Venue::from_parts(
            Some("Twyford Church of England High School".into()),
            Some("Twyford Crescent, London".into()),
            Some("W3 9PP".into()),
        ),
        notes: None,
        revision: 1,
        cancelled: false,
        cancellation_reason: None,
        changed_at: at("2021-10-04T10:15:00Z"),
        group,
        joining_link: None,
    };
    let online = Entry {
        session_id: Uuid::from_u128(0x0193_1b8f_0000_7000_8000_0000_0000_0703),
        mode: SessionMode::Online,
        starts_at: at("2022-06-22T15:45:00Z"),
        ends_at: at("2022-06-22T16:45:00Z"),
        venue: None,
        revision: 0,
        joining_link: personal.then(|| "https://meet.example.org/lcw21-15-01".into()),
        ..workshop.clone()
    };
    let feed = if personal {
        Feed {
            name: "Maths Hubs: my sessions",
            description: "Your Maths Hubs sessions in 2021/22 and 2022/23, joining links included",
        }
    } else {
        Feed {
            name: "LCW21-15-01 Secondary Subject Leadership",
            description: "Sessions of the work group LCW21-15-01 of London Central and West Maths Hub",
        }
    };
    to_ics(
        &feed,
        &[workshop, online],
        &PublicUrl::parse("https://api.mathshub.example").expect("a valid URL"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Duration, NaiveDate, Offset, TimeZone as _, Weekday};

    fn entry() -> Entry {
        Entry {
            session_id: Uuid::from_u128(7),
            kind: SessionKind::Workshop,
            mode: SessionMode::Online,
            starts_at: "2021-11-17T09:30:00Z".parse().unwrap(),
            ends_at: "2021-11-17T14:30:00Z".parse().unwrap(),
            venue: None,
            notes: Some("Bring your scheme of work; lunch, not provided.".into()),
            revision: 2,
            cancelled: false,
            cancellation_reason: None,
            changed_at: "2021-10-04T10:15:00Z".parse().unwrap(),
            group: EntryGroup {
                id: Uuid::from_u128(8),
                code: "LCW21-15-01".into(),
                title: "Secondary Subject Leadership".into(),
                hub_name: "London Central and West Maths Hub".into(),
                status: WorkGroupStatus::Running,
                cancellation_reason: None,
            },
            joining_link: Some("https://meet.example.invalid/lcw".into()),
        }
    }

    fn feed_of(entries: &[Entry]) -> String {
        let feed = Feed {
            name: "Mine",
            description: "My sessions",
        };
        to_ics(
            &feed,
            entries,
            &PublicUrl::parse("https://api.example.org").unwrap(),
        )
    }

    /// The unfolded content lines of a feed.
    fn lines(feed: &str) -> Vec<String> {
        feed.replace("\r\n ", "")
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    /// Fails naming the first of `expected` that is not a whole content line of `feed`.
    fn assert_lines(feed: &str, expected: &[&str]) {
        let lines = lines(feed);
        for line in expected {
            assert!(
                lines.iter().any(|written| written == line),
                "{line} in\n{feed}"
            );
        }
    }

    #[test]
    fn events_are_in_london_time_with_their_zone_defined() {
        let feed = feed_of(&[entry()]);
        assert_lines(
            &feed,
            &[
                "BEGIN:VTIMEZONE",
                "TZID:Europe/London",
                "DTSTART;TZID=Europe/London:20211117T093000",
                "DTEND;TZID=Europe/London:20211117T143000",
                "UID:session-00000000-0000-0000-0000-000000000007@mathshub.invalid",
                "DTSTAMP:20211004T101500Z",
                "SEQUENCE:2",
                "STATUS:CONFIRMED",
                "LOCATION:Online",
                "URL:https://api.example.org/api/v1/work-groups/00000000-0000-0000-0000-000000000008",
            ],
        );
        assert!(feed.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn a_summer_session_is_written_at_its_bst_wall_clock_time() {
        let mut summer = entry();
        summer.starts_at = "2022-05-25T08:30:00Z".parse().unwrap();
        summer.ends_at = "2022-05-25T13:30:00Z".parse().unwrap();
        assert_lines(
            &feed_of(&[summer]),
            &["DTSTART;TZID=Europe/London:20220525T093000"],
        );
    }

    #[test]
    fn text_is_escaped_and_the_joining_link_shown_only_when_given() {
        let with_link = lines(&feed_of(&[entry()])).join("\n");
        assert!(with_link.contains(
            "DESCRIPTION:LCW21-15-01 Secondary Subject Leadership: a workshop of London Central \
             and West Maths Hub.\\nJoin online: https://meet.example.invalid/lcw\\nBring your \
             scheme of work\\; lunch\\, not provided."
        ));
        let mut public = entry();
        public.joining_link = None;
        let without = lines(&feed_of(&[public])).join("\n");
        assert!(!without.contains("meet.example.invalid"), "{without}");
        assert!(without.contains("the joining link is for the group's participants"));
    }

    #[test]
    fn a_cancelled_group_s_sessions_are_cancelled_events_one_sequence_on() {
        let mut cancelled = entry();
        cancelled.group.status = WorkGroupStatus::Cancelled;
        cancelled.group.cancellation_reason = Some("No venue".into());
        let written = feed_of(&[cancelled]);
        assert_lines(
            &written,
            &[
                "STATUS:CANCELLED",
                "SEQUENCE:3",
                "SUMMARY:Cancelled: Secondary Subject Leadership (workshop)",
            ],
        );
        assert!(!written.contains("meet.example.invalid"), "{written}");
        let mut draft = entry();
        draft.group.status = WorkGroupStatus::Draft;
        assert_lines(&feed_of(&[draft]), &["STATUS:TENTATIVE"]);
    }

    #[test]
    fn a_cancelled_session_is_a_cancelled_event_saying_why_at_its_own_revision() {
        // The database moved the revision on (2 to 3) when it cancelled the session.
        let mut cancelled = entry();
        cancelled.revision = 3;
        cancelled.cancelled = true;
        cancelled.cancellation_reason = Some("The venue is closed; we meet next week.".into());
        let written = feed_of(&[cancelled]);
        assert_lines(
            &written,
            &[
                "STATUS:CANCELLED",
                "SEQUENCE:3",
                "SUMMARY:Cancelled: Secondary Subject Leadership (workshop)",
            ],
        );
        let text = lines(&written).join("\n");
        assert!(
            text.contains("\\nThe session is cancelled: The venue is closed\\; we meet next week."),
            "{text}"
        );
        assert!(!text.contains("meet.example.invalid"), "{text}");
        assert!(!text.contains("work group is cancelled"), "{text}");
    }

    #[test]
    fn a_cancelled_session_of_a_cancelled_group_says_both_one_sequence_on() {
        let mut both = entry();
        both.revision = 3;
        both.cancelled = true;
        both.cancellation_reason = None;
        both.group.status = WorkGroupStatus::Cancelled;
        both.group.cancellation_reason = Some("No venue".into());
        let written = feed_of(&[both]);
        assert_lines(&written, &["SEQUENCE:4", "STATUS:CANCELLED"]);
        let text = lines(&written).join("\n");
        assert!(
            text.contains("\\nThe session is cancelled.\\nThe work group is cancelled: No venue"),
            "{text}"
        );
    }

    #[test]
    fn a_face_to_face_session_is_located_at_its_venue() {
        let mut at_school = entry();
        at_school.mode = SessionMode::FaceToFace;
        at_school.venue = Venue::from_parts(
            Some("Twyford".into()),
            Some("Twyford Crescent, London".into()),
            Some("W3 9PP".into()),
        );
        assert_lines(
            &feed_of(&[at_school]),
            &["LOCATION:Twyford\\, Twyford Crescent\\, London\\, W3 9PP"],
        );
    }

    #[test]
    fn an_unchanged_feed_is_the_same_text() {
        assert_eq!(feed_of(&[entry()]), feed_of(&[entry()]));
    }

    #[test]
    fn the_documented_examples_show_the_joining_link_in_the_personal_feed_only() {
        let public = lines(&example(false));
        assert_eq!(
            public.iter().filter(|line| *line == "BEGIN:VEVENT").count(),
            2
        );
        assert_lines(
            &example(false),
            &["DTSTART;TZID=Europe/London:20220525T093000"],
        );
        assert!(!public.join("").contains("meet.example.org"));
        assert!(
            lines(&example(true))
                .join("")
                .contains("Join online: https://meet.example.org")
        );
    }

    /// The last Sunday of `month` in `year`.
    fn last_sunday(year: i32, month: u32) -> NaiveDate {
        let first_of_next = NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap();
        let mut day = first_of_next - Duration::days(1);
        while day.weekday() != Weekday::Sun {
            day -= Duration::days(1);
        }
        day
    }

    #[test]
    fn the_vtimezone_rules_match_the_time_zone_database() {
        // Both changes happen at 01:00 UTC on the last Sunday of March and of October, as
        // the VTIMEZONE's rules say (01:00 GMT, and 02:00 BST).
        let offset = |instant: DateTime<Utc>| {
            London
                .offset_from_utc_datetime(&instant.naive_utc())
                .fix()
                .local_minus_utc()
        };
        for year in 1996..2040 {
            for (month, before, after) in [(3, 0, 3600), (10, 3600, 0)] {
                let change = last_sunday(year, month)
                    .and_hms_opt(1, 0, 0)
                    .unwrap()
                    .and_utc();
                assert_eq!(
                    offset(change - Duration::seconds(1)),
                    before,
                    "{year}-{month}"
                );
                assert_eq!(offset(change), after, "{year}-{month}");
            }
        }
        let zone = london().to_string();
        for rule in ["BYMONTH=3;BYDAY=-1SU", "BYMONTH=10;BYDAY=-1SU"] {
            assert!(zone.contains(rule), "{zone}");
        }
        // The rules' first occurrences (their DTSTART) are such Sundays too.
        assert_eq!(
            last_sunday(1970, 3),
            NaiveDate::from_ymd_opt(1970, 3, 29).unwrap()
        );
        assert_eq!(
            last_sunday(1970, 10),
            NaiveDate::from_ymd_opt(1970, 10, 25).unwrap()
        );
    }
}
