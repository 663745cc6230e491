//! The status machine of a work group, in one place. Each rule broken is named in words a
//! hub manager can act on; the API answers it as 409.
//!
//! `draft` → `open` needs a lead, a session ahead, a capacity and a deadline still ahead;
//! `open` ↔ `full` follows places; `closed` by hand or once the deadline passes; `running`
//! from the start of the first session and `completed` after the end of the last (`due`,
//! applied by a sweep); `cancelled` from any state before `completed`, with a reason. A group
//! is public from its first opening on: a draft cancelled before it ever opened is abandoned
//! and stays private. A group once opened keeps at least one lead and one session that takes
//! place, and a cancelled session's joining link is shown to nobody. A group's capacity
//! never drops below its accepted participants, and nobody is accepted beyond it.
//!
//! Every move is decided here as a `StatusChange`: by hand (`by_hand`), by an edit or a place
//! taken or freed (`edited`, `places_taken`), or by time (`by_time`). The database layer
//! writes what it says under the group's lock.

use chrono::{DateTime, Utc};

use super::{SessionStatus, WorkGroupStatus};

/// What the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    pub status: WorkGroupStatus,
    /// Cancelled as a draft before it ever opened (`abandons`): private for good.
    pub abandoned: bool,
    /// Its sessions that take place (cancelled ones do not count).
    pub session_count: i32,
    /// Its leads whose accounts are enabled.
    pub lead_count: i32,
    pub capacity: Option<i32>,
    pub accepted_count: i32,
    pub eoi_deadline: Option<DateTime<Utc>>,
    pub first_session_at: Option<DateTime<Utc>>,
}

/// A change of status asked for by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Open,
    Close,
    Cancel,
}

/// A rule of a status machine (a work group's, or an enrolment's in `domain::enrolment`),
/// broken: the API answers it as 409 with these words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleBroken(pub String);

fn broken(text: impl Into<String>) -> Result<WorkGroupStatus, RuleBroken> {
    Err(RuleBroken(text.into()))
}

/// `open`, or `full` when every place is taken.
fn open_or_full(facts: &GroupFacts) -> WorkGroupStatus {
    match facts.capacity {
        Some(capacity) if facts.accepted_count >= capacity => WorkGroupStatus::Full,
        _ => WorkGroupStatus::Open,
    }
}

/// What a group lacks to open, in the words the refusal lists them.
fn missing_to_open(facts: &GroupFacts) -> Vec<&'static str> {
    [
        (facts.lead_count < 1, "at least one lead"),
        (facts.session_count < 1, "at least one session ahead"),
        (
            facts.capacity.is_none_or(|capacity| capacity < 1),
            "a capacity of at least one place",
        ),
        (
            facts.eoi_deadline.is_none(),
            "an expression-of-interest deadline",
        ),
    ]
    .into_iter()
    .filter_map(|(missing, what)| missing.then_some(what))
    .collect()
}

/// `a`, `a and b`, `a, b and c`.
fn in_words(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The status `transition` leads to from `facts` at `now`, or the rule it breaks.
fn apply(
    facts: &GroupFacts,
    transition: Transition,
    now: DateTime<Utc>,
) -> Result<WorkGroupStatus, RuleBroken> {
    use WorkGroupStatus::*;
    match (transition, facts.status) {
        (Transition::Open, Draft | Closed) => {
            let missing = missing_to_open(facts);
            if !missing.is_empty() {
                return broken(format!(
                    "The work group cannot open yet: it needs {}.",
                    in_words(&missing)
                ));
            }
            match facts.eoi_deadline {
                Some(deadline) if deadline <= now => broken(
                    "The expression-of-interest deadline has passed: set a later one to open the group.",
                ),
                _ if facts.first_session_at.is_some_and(|first| first <= now) => {
                    broken("The group's first session has begun: it can no longer open.")
                }
                _ => Ok(open_or_full(facts)),
            }
        }
        (Transition::Open, Open | Full) => broken("The work group is already open."),
        (Transition::Close, Open | Full) => Ok(Closed),
        (Transition::Close, Closed) => broken("The work group is already closed."),
        (Transition::Close, Draft) => {
            broken("A draft has never been open: cancel it instead of closing it.")
        }
        (Transition::Cancel, Completed) => broken("A completed work group cannot be cancelled."),
        (Transition::Cancel, Cancelled) => broken("The work group is already cancelled."),
        (Transition::Cancel, _) => Ok(Cancelled),
        (_, Running) => broken("The work group is running: it can only be cancelled."),
        (_, Completed) => broken("The work group is completed: its status no longer changes."),
        (_, Cancelled) => broken("The work group is cancelled: its status no longer changes."),
    }
}

/// Whether a group in `status` is public (in the catalogue, signposted, in calendars, fed to
/// partners): from its first opening on. Drafts are not, nor abandoned groups.
pub fn is_public(status: WorkGroupStatus, abandoned: bool) -> bool {
    status != WorkGroupStatus::Draft && !abandoned
}

/// Whether moving from `before` to `after` abandons the group: a draft cancelled before it
/// ever opened, which stays out of sight of all but its staff (partners hear nothing of it).
fn abandons(before: WorkGroupStatus, after: WorkGroupStatus) -> bool {
    before == WorkGroupStatus::Draft && after == WorkGroupStatus::Cancelled
}

/// Whether a group in `status` has been opened and is not over: it then keeps a lead and a
/// session that takes place, or would be offered to schools with no one to run it and no
/// date to meet (a group that will not take place is cancelled instead).
fn keeps_lead_and_session(status: WorkGroupStatus) -> bool {
    use WorkGroupStatus::*;
    matches!(status, Open | Full | Closed | Running)
}

/// A session that takes place may be cancelled or removed, unless it is the last of a group
/// that has been opened (`open`, `full`, `closed`, `running`); a draft may lose them all.
pub fn check_losing_a_session(facts: &GroupFacts) -> Result<(), RuleBroken> {
    if keeps_lead_and_session(facts.status) && facts.session_count <= 1 {
        return Err(RuleBroken(format!(
            "This is the last session of the work group that takes place, and a {} work group \
             keeps at least one: add another session first, or cancel the work group instead.",
            facts.status
        )));
    }
    Ok(())
}

/// A group that has been opened keeps at least one of its leads; a draft may have none.
pub fn check_leads(status: WorkGroupStatus, leads: usize) -> Result<(), RuleBroken> {
    if keeps_lead_and_session(status) && leads == 0 {
        return Err(RuleBroken(format!(
            "A {status} work group keeps at least one lead: name another before removing the last."
        )));
    }
    Ok(())
}

/// The joining link shown for a session (to those who may see links at all): none for a
/// session that will not take place.
pub fn joining_link_shown(link: Option<String>, status: SessionStatus) -> Option<String> {
    link.filter(|_| status == SessionStatus::Scheduled)
}

/// The places a group of `capacity` has left with `accepted` participants; `None` without a
/// capacity.
pub fn places_left(capacity: Option<i32>, accepted: i32) -> Option<i32> {
    capacity.map(|capacity| (capacity - accepted).max(0))
}

/// Whether a place is free: the group has a capacity and not every place is taken.
pub fn has_free_place(facts: &GroupFacts) -> bool {
    places_left(facts.capacity, facts.accepted_count).is_some_and(|left| left > 0)
}

/// The status after places changed (a new capacity, or a place taken or freed): an open
/// group with every place taken is `full`, a full one with a place free is `open` again.
fn after_places_change(facts: &GroupFacts) -> WorkGroupStatus {
    match facts.status {
        WorkGroupStatus::Open | WorkGroupStatus::Full => open_or_full(facts),
        other => other,
    }
}

/// The times that move a group on by themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub status: WorkGroupStatus,
    pub eoi_deadline: Option<DateTime<Utc>>,
    pub first_session_at: Option<DateTime<Utc>>,
    pub last_session_ends_at: Option<DateTime<Utc>>,
}

/// The status time has moved a group to by `now`, when it differs from its status: an open or
/// full group closes once its deadline passes, a published group runs from the start of its
/// first session and is completed after the end of its last. Drafts wait for a person;
/// completed and cancelled groups never change.
pub fn due(timeline: &Timeline, now: DateTime<Utc>) -> Option<WorkGroupStatus> {
    use WorkGroupStatus::*;
    let passed = |at: Option<DateTime<Utc>>| at.is_some_and(|at| at <= now);
    let status = timeline.status;
    let next = match status {
        Draft | Completed | Cancelled => status,
        _ if passed(timeline.last_session_ends_at) => Completed,
        _ if passed(timeline.first_session_at) => Running,
        Open | Full if passed(timeline.eoi_deadline) => Closed,
        _ => status,
    };
    (next != status).then_some(next)
}

/// What the change feed partner sites follow calls a move from `before` to `after`.
pub fn event_kind(before: WorkGroupStatus, after: WorkGroupStatus) -> &'static str {
    use WorkGroupStatus::*;
    match (before, after) {
        (_, Cancelled) => "cancelled",
        (Draft, _) => "opened",
        (Full, Open) => "reopened",
        (Closed, Open) => "opened",
        (_, Full) if before != Full => "filled",
        (_, Closed) if before != Closed => "closed",
        (_, Running) if before != Running => "running",
        (_, Completed) if before != Completed => "completed",
        _ => "updated",
    }
}

/// A capacity may not drop below the participants already accepted.
fn check_capacity(capacity: i32, accepted_count: i32) -> Result<(), RuleBroken> {
    if capacity < accepted_count {
        Err(RuleBroken(format!(
            "Capacity cannot drop below the {accepted_count} participant(s) already accepted."
        )))
    } else {
        Ok(())
    }
}

/// A move of a group's status the machine decided, with what follows from it. `before` and
/// `after` may be alike: an edit or a place taken often leaves the status as it was, and
/// partners still hear of the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub before: WorkGroupStatus,
    pub after: WorkGroupStatus,
    /// A draft cancelled before it ever opened: it stays private (`abandons`).
    pub abandons: bool,
    /// What the change feed partner sites follow calls the change (`event_kind`); `None`
    /// when the group is private after it, so partners hear nothing.
    pub event: Option<&'static str>,
}

impl StatusChange {
    fn new(before: WorkGroupStatus, abandoned: bool, after: WorkGroupStatus) -> Self {
        let abandons = abandons(before, after);
        let public = is_public(after, abandoned || abandons);
        Self {
            before,
            after,
            abandons,
            event: public.then(|| event_kind(before, after)),
        }
    }

    fn of(facts: &GroupFacts, after: WorkGroupStatus) -> Self {
        Self::new(facts.status, facts.abandoned, after)
    }

    /// Whether the group is completed by this change: its enrolments are then settled by
    /// their attendance (`db::completion`).
    pub fn completes(&self) -> bool {
        self.after == WorkGroupStatus::Completed && self.before != WorkGroupStatus::Completed
    }
}

/// A change of status asked for by hand (open, close, cancel), or the rule it breaks.
pub fn by_hand(
    facts: &GroupFacts,
    transition: Transition,
    now: DateTime<Utc>,
) -> Result<StatusChange, RuleBroken> {
    apply(facts, transition, now).map(|after| StatusChange::of(facts, after))
}

/// An edit of the group, with its new capacity if one was sent: refused when the capacity
/// drops below the participants accepted; the status follows the places (`full` or `open`).
pub fn edited(facts: &GroupFacts, capacity: Option<i32>) -> Result<StatusChange, RuleBroken> {
    if let Some(capacity) = capacity {
        check_capacity(capacity, facts.accepted_count)?;
    }
    let after = after_places_change(&GroupFacts {
        capacity: capacity.or(facts.capacity),
        ..facts.clone()
    });
    Ok(StatusChange::of(facts, after))
}

/// A place taken or freed, leaving `accepted` participants: the status follows (`full` when
/// the last place goes, `open` again when one frees).
pub fn places_taken(facts: &GroupFacts, accepted: i32) -> StatusChange {
    let after = after_places_change(&GroupFacts {
        accepted_count: accepted,
        ..facts.clone()
    });
    StatusChange::of(facts, after)
}

/// The move time has made by `now` (`due`), if any. Time moves only groups that have opened
/// and are not over, none of them abandoned.
pub fn by_time(timeline: &Timeline, now: DateTime<Utc>) -> Option<StatusChange> {
    due(timeline, now).map(|after| StatusChange::new(timeline.status, false, after))
}

/// Groups the unit tests of the status machines (this one and `domain::enrolment`) start
/// from.
#[cfg(test)]
pub(super) mod examples {
    use super::*;
    use chrono::TimeZone;

    /// Noon on 1 October 2021: before the deadline of the groups `ready` gives.
    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 10, 1, 12, 0, 0).unwrap()
    }

    /// A group with all it needs to open: a lead, sessions from 17 November 2021, 30 places
    /// none of them taken, and its deadline on 1 November 2021.
    pub fn ready(status: WorkGroupStatus) -> GroupFacts {
        GroupFacts {
            status,
            abandoned: false,
            session_count: 3,
            lead_count: 1,
            capacity: Some(30),
            accepted_count: 0,
            eoi_deadline: Some(Utc.with_ymd_and_hms(2021, 11, 1, 23, 59, 0).unwrap()),
            first_session_at: Some(Utc.with_ymd_and_hms(2021, 11, 17, 9, 30, 0).unwrap()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::examples::{now, ready};
    use super::*;
    use WorkGroupStatus::*;
    use chrono::TimeZone;

    /// A group with its deadline on 1 November 2021, sessions from 17 November 2021 to
    /// 16 March 2022.
    fn timeline(status: WorkGroupStatus) -> Timeline {
        Timeline {
            status,
            eoi_deadline: Some(Utc.with_ymd_and_hms(2021, 11, 1, 23, 59, 0).unwrap()),
            first_session_at: Some(Utc.with_ymd_and_hms(2021, 11, 17, 9, 30, 0).unwrap()),
            last_session_ends_at: Some(Utc.with_ymd_and_hms(2022, 3, 16, 16, 0, 0).unwrap()),
        }
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn time_closes_then_runs_then_completes_a_published_group() {
        assert_eq!(due(&timeline(Open), at(2021, 10, 1, 12)), None);
        assert_eq!(due(&timeline(Open), at(2021, 11, 2, 0)), Some(Closed));
        assert_eq!(due(&timeline(Full), at(2021, 11, 2, 0)), Some(Closed));
        assert_eq!(due(&timeline(Closed), at(2021, 11, 2, 0)), None);
        for status in [Open, Full, Closed] {
            assert_eq!(due(&timeline(status), at(2021, 11, 17, 10)), Some(Running));
            assert_eq!(due(&timeline(status), at(2022, 3, 17, 0)), Some(Completed));
        }
        assert_eq!(due(&timeline(Running), at(2022, 1, 1, 0)), None);
        assert_eq!(
            due(&timeline(Running), at(2022, 3, 16, 16)),
            Some(Completed)
        );
    }

    #[test]
    fn time_leaves_drafts_and_finished_groups_alone() {
        for status in [Draft, Completed, Cancelled] {
            assert_eq!(due(&timeline(status), at(2030, 1, 1, 0)), None);
        }
    }

    #[test]
    fn a_group_without_sessions_or_deadline_only_closes_when_its_deadline_passes() {
        let bare = Timeline {
            eoi_deadline: None,
            first_session_at: None,
            last_session_ends_at: None,
            ..timeline(Open)
        };
        assert_eq!(due(&bare, at(2030, 1, 1, 0)), None);
    }

    #[test]
    fn the_change_feed_names_each_move() {
        assert_eq!(event_kind(Draft, Open), "opened");
        assert_eq!(event_kind(Closed, Open), "opened");
        assert_eq!(event_kind(Open, Full), "filled");
        assert_eq!(event_kind(Full, Open), "reopened");
        assert_eq!(event_kind(Open, Closed), "closed");
        assert_eq!(event_kind(Full, Cancelled), "cancelled");
        assert_eq!(event_kind(Closed, Cancelled), "cancelled");
        assert_eq!(event_kind(Closed, Running), "running");
        assert_eq!(event_kind(Running, Completed), "completed");
        assert_eq!(event_kind(Open, Open), "updated");
        assert_eq!(event_kind(Running, Running), "updated");
    }

    #[test]
    fn a_draft_opens_with_sessions_capacity_and_a_deadline_ahead() {
        assert_eq!(apply(&ready(Draft), Transition::Open, now()), Ok(Open));
        assert_eq!(apply(&ready(Closed), Transition::Open, now()), Ok(Open));
    }

    #[test]
    fn a_draft_missing_what_opening_needs_names_all_of_it() {
        let bare = GroupFacts {
            session_count: 0,
            lead_count: 0,
            capacity: None,
            eoi_deadline: None,
            first_session_at: None,
            ..ready(Draft)
        };
        assert_eq!(
            apply(&bare, Transition::Open, now()).unwrap_err().0,
            "The work group cannot open yet: it needs at least one lead, at least one session \
             ahead, a capacity of at least one place and an expression-of-interest deadline."
        );
        let no_lead_no_session = GroupFacts {
            session_count: 0,
            lead_count: 0,
            first_session_at: None,
            ..ready(Draft)
        };
        assert_eq!(
            apply(&no_lead_no_session, Transition::Open, now())
                .unwrap_err()
                .0,
            "The work group cannot open yet: it needs at least one lead and at least one session ahead."
        );
    }

    #[test]
    fn a_draft_missing_what_opening_needs_names_it() {
        let cases = [
            (
                GroupFacts {
                    lead_count: 0,
                    ..ready(Draft)
                },
                "it needs at least one lead.",
            ),
            (
                GroupFacts {
                    session_count: 0,
                    ..ready(Draft)
                },
                "it needs at least one session ahead.",
            ),
            (
                GroupFacts {
                    capacity: None,
                    ..ready(Draft)
                },
                "capacity",
            ),
            (
                GroupFacts {
                    capacity: Some(0),
                    ..ready(Draft)
                },
                "capacity",
            ),
            (
                GroupFacts {
                    eoi_deadline: None,
                    ..ready(Draft)
                },
                "deadline",
            ),
            (
                GroupFacts {
                    eoi_deadline: Some(now()),
                    ..ready(Draft)
                },
                "has passed",
            ),
            (
                GroupFacts {
                    first_session_at: Some(now()),
                    ..ready(Closed)
                },
                "first session",
            ),
        ];
        for (facts, words) in cases {
            let refused = apply(&facts, Transition::Open, now()).unwrap_err();
            assert!(refused.0.contains(words), "{facts:?}: {refused}");
        }
    }

    #[test]
    fn opening_with_every_place_taken_makes_the_group_full() {
        let facts = GroupFacts {
            accepted_count: 30,
            ..ready(Closed)
        };
        assert_eq!(apply(&facts, Transition::Open, now()), Ok(Full));
    }

    /// Every change by hand from every status: the status it leads to, or the words of its
    /// refusal.
    #[test]
    fn every_change_by_hand_from_every_status_is_decided() {
        use Transition::{Cancel, Close, Open as Opening};
        let running = "The work group is running: it can only be cancelled.";
        let completed = "The work group is completed: its status no longer changes.";
        let cancelled = "The work group is cancelled: its status no longer changes.";
        let cases: [(Transition, WorkGroupStatus, Result<WorkGroupStatus, &str>); 21] = [
            (Opening, Draft, Ok(Open)),
            (Opening, Open, Err("The work group is already open.")),
            (Opening, Full, Err("The work group is already open.")),
            (Opening, Closed, Ok(Open)),
            (Opening, Running, Err(running)),
            (Opening, Completed, Err(completed)),
            (Opening, Cancelled, Err(cancelled)),
            (
                Close,
                Draft,
                Err("A draft has never been open: cancel it instead of closing it."),
            ),
            (Close, Open, Ok(Closed)),
            (Close, Full, Ok(Closed)),
            (Close, Closed, Err("The work group is already closed.")),
            (Close, Running, Err(running)),
            (Close, Completed, Err(completed)),
            (Close, Cancelled, Err(cancelled)),
            (Cancel, Draft, Ok(Cancelled)),
            (Cancel, Open, Ok(Cancelled)),
            (Cancel, Full, Ok(Cancelled)),
            (Cancel, Closed, Ok(Cancelled)),
            (Cancel, Running, Ok(Cancelled)),
            (
                Cancel,
                Completed,
                Err("A completed work group cannot be cancelled."),
            ),
            (
                Cancel,
                Cancelled,
                Err("The work group is already cancelled."),
            ),
        ];
        for status in WorkGroupStatus::ALL {
            for transition in [Opening, Close, Cancel] {
                assert!(
                    cases
                        .iter()
                        .any(|case| (case.0, case.1) == (transition, *status)),
                    "{transition:?} from {status} is not decided"
                );
            }
        }
        for (transition, status, expected) in cases {
            let decided = by_hand(&ready(status), transition, now())
                .map(|change| change.after)
                .map_err(|rule| rule.0);
            assert_eq!(
                decided,
                expected.map_err(str::to_owned),
                "{transition:?} from {status}"
            );
        }
    }

    #[test]
    fn a_draft_cancelled_before_it_opened_is_abandoned_and_partners_hear_nothing() {
        let abandoned = by_hand(&ready(Draft), Transition::Cancel, now()).unwrap();
        assert!(abandoned.abandons);
        assert_eq!(abandoned.event, None);
        for before in [Open, Full, Closed, Running] {
            let cancelled = by_hand(&ready(before), Transition::Cancel, now()).unwrap();
            assert!(!cancelled.abandons, "{before}");
            assert_eq!(cancelled.event, Some("cancelled"), "{before}");
        }
    }

    #[test]
    fn partners_hear_of_each_change_by_hand_of_a_public_group() {
        let event = |status, transition| by_hand(&ready(status), transition, now()).unwrap().event;
        assert_eq!(event(Draft, Transition::Open), Some("opened"));
        assert_eq!(event(Closed, Transition::Open), Some("opened"));
        assert_eq!(event(Open, Transition::Close), Some("closed"));
        assert_eq!(event(Full, Transition::Close), Some("closed"));
        let full = GroupFacts {
            accepted_count: 30,
            ..ready(Draft)
        };
        let opened_full = by_hand(&full, Transition::Open, now()).unwrap();
        assert_eq!(
            (opened_full.after, opened_full.event),
            (Full, Some("opened"))
        );
        assert!(!opened_full.completes());
    }

    #[test]
    fn a_place_taken_or_freed_moves_the_status_only_between_open_and_full() {
        let taken = |status, accepted| {
            let change = places_taken(&ready(status), accepted);
            (change.after, change.event)
        };
        assert_eq!(taken(Open, 1), (Open, Some("updated")));
        assert_eq!(taken(Open, 30), (Full, Some("filled")));
        assert_eq!(taken(Full, 29), (Open, Some("reopened")));
        for status in [Closed, Running] {
            assert_eq!(taken(status, 30), (status, Some("updated")), "{status}");
            assert_eq!(taken(status, 29), (status, Some("updated")), "{status}");
        }
    }

    #[test]
    fn an_edit_keeps_capacity_above_the_accepted_and_the_status_follows_the_places() {
        let accepted = |status, count| GroupFacts {
            accepted_count: count,
            ..ready(status)
        };
        let refused = edited(&accepted(Open, 12), Some(11)).unwrap_err();
        assert_eq!(
            refused.0,
            "Capacity cannot drop below the 12 participant(s) already accepted."
        );
        let edit = |facts: &GroupFacts, capacity| {
            let change = edited(facts, capacity).unwrap();
            (change.after, change.event)
        };
        assert_eq!(edit(&accepted(Open, 12), Some(12)), (Full, Some("filled")));
        assert_eq!(
            edit(&accepted(Full, 30), Some(31)),
            (Open, Some("reopened"))
        );
        assert_eq!(edit(&accepted(Open, 12), None), (Open, Some("updated")));
        assert_eq!(
            edit(&accepted(Closed, 12), Some(12)),
            (Closed, Some("updated"))
        );
        assert_eq!(
            edit(&ready(Draft), Some(1)),
            (Draft, None),
            "a draft is private"
        );
        let abandoned = GroupFacts {
            abandoned: true,
            ..ready(Cancelled)
        };
        assert_eq!(
            edit(&abandoned, None),
            (Cancelled, None),
            "abandoned for good"
        );
        assert_eq!(
            edit(&ready(Cancelled), None),
            (Cancelled, Some("cancelled"))
        );
    }

    #[test]
    fn a_group_has_a_free_place_only_with_a_capacity_not_all_taken() {
        let taken = |capacity, accepted_count| {
            has_free_place(&GroupFacts {
                capacity,
                accepted_count,
                ..ready(Open)
            })
        };
        assert!(taken(Some(30), 29));
        assert!(!taken(Some(30), 30));
        assert!(!taken(Some(30), 31));
        assert!(!taken(None, 0));
    }

    #[test]
    fn time_moves_are_heard_by_partners_and_completion_settles_the_enrolments() {
        let moved = |status, at| by_time(&timeline(status), at).unwrap();
        let closed = moved(Open, at(2021, 11, 2, 0));
        assert_eq!((closed.after, closed.event), (Closed, Some("closed")));
        assert!(!closed.completes());
        let running = moved(Closed, at(2021, 11, 17, 10));
        assert_eq!((running.after, running.event), (Running, Some("running")));
        let completed = moved(Running, at(2022, 3, 17, 0));
        assert_eq!(
            (completed.after, completed.event),
            (Completed, Some("completed"))
        );
        assert!(completed.completes());
        assert!(!completed.abandons);
        assert_eq!(by_time(&timeline(Draft), at(2030, 1, 1, 0)), None);
    }

    #[test]
    fn only_groups_that_have_opened_are_public() {
        for status in [Open, Full, Closed, Running, Completed, Cancelled] {
            assert!(is_public(status, false), "{status}");
        }
        assert!(!is_public(Draft, false));
        assert!(!is_public(Cancelled, true));
        assert!(abandons(Draft, Cancelled));
        for before in [Open, Full, Closed, Running] {
            assert!(!abandons(before, Cancelled), "{before}");
        }
        assert!(!abandons(Draft, Open));
    }

    #[test]
    fn an_opened_group_keeps_its_last_session_that_takes_place_and_a_draft_need_not() {
        for status in [Open, Full, Closed, Running] {
            let last = GroupFacts {
                session_count: 1,
                ..ready(status)
            };
            let refused = check_losing_a_session(&last).unwrap_err();
            assert!(
                refused.0.contains("cancel the work group instead"),
                "{refused}"
            );
            assert!(check_losing_a_session(&ready(status)).is_ok(), "{status}");
        }
        let last_of_a_draft = GroupFacts {
            session_count: 1,
            ..ready(Draft)
        };
        assert!(check_losing_a_session(&last_of_a_draft).is_ok());
    }

    #[test]
    fn an_opened_group_keeps_a_lead_and_a_draft_need_not() {
        for status in [Open, Full, Closed, Running] {
            assert!(
                check_leads(status, 0)
                    .unwrap_err()
                    .0
                    .contains("at least one lead")
            );
            assert!(check_leads(status, 1).is_ok());
        }
        for status in [Draft, Completed, Cancelled] {
            assert!(check_leads(status, 0).is_ok(), "{status}");
        }
    }

    #[test]
    fn a_cancelled_session_shows_no_joining_link() {
        let link = || Some("https://meet.example.invalid/room".to_owned());
        assert_eq!(joining_link_shown(link(), SessionStatus::Scheduled), link());
        assert_eq!(joining_link_shown(link(), SessionStatus::Cancelled), None);
        assert_eq!(joining_link_shown(None, SessionStatus::Scheduled), None);
    }
}
