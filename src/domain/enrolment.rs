//! The status machine of an enrolment, as pure rules: which move each status allows, and what
//! each does to the group's places, its waiting list and the school's fees. The engine
//! (`db::enrolment_writes`) carries the moves out under the group's lock; each rule broken is
//! named in words the API answers as 409.
//!
//! An expression of interest is `pending` for review, or with automatic admission `accepted`
//! while a place is free and `waitlisted` at the end of the list once none is. The group's
//! staff accept or decline a pending or waitlisted enrolment and waitlist a pending one;
//! nobody is accepted beyond the group's capacity. The participant or the staff withdraw a
//! pending, accepted or waitlisted one. An enrolment leaving the waiting list closes it up
//! behind it (positions stay 1..n); a place given up goes to the first on the list (who is
//! promoted), and a withdrawal from a place too late for the next session leaves the school
//! owing the project's fee (`domain::fees`). Enrolments of a completed or cancelled group no
//! longer change, except that completion settles each place by attendance (`on_completion`).
//!
//! A group may confirm places only with the school's senior leader's agreement: without it an
//! expression of interest waits, pending (`until_agreed`), nobody is accepted
//! (`require_agreement`) and the waiting list passes over those still awaiting it, until it is
//! recorded (`on_agreement`).

use chrono::{DateTime, Utc};

use super::lifecycle::{self, GroupFacts, RuleBroken};
use super::{Admission, EnrolmentStatus, WorkGroupStatus};

/// A move asked of an existing enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The group's staff give it a place.
    Accept,
    /// The group's staff decline it, with a reason.
    Decline,
    /// The group's staff put it at the end of the waiting list.
    Waitlist,
    /// The participant or the group's staff withdraw it, with a reason.
    Withdraw,
}

impl Action {
    /// The move in a word, as refusals and the audit trail name it.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Accept => "accepted",
            Self::Decline => "declined",
            Self::Waitlist => "waitlisted",
            Self::Withdraw => "withdrawn",
        }
    }
}

/// What a move does to the group's waiting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waitlist {
    /// Nothing: the enrolment was not on it and does not join it.
    Untouched,
    /// The enrolment joins it at the end.
    JoinAtEnd,
    /// The enrolment leaves it: those behind move up one.
    Leave,
}

/// What a move does to the group's places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Places {
    /// The count stays: the enrolment holds no place before or after, or (promoted) takes
    /// over the one given up.
    Unchanged,
    /// The enrolment takes a free place.
    Take,
    /// The enrolment gives its place up: the first on the waiting list is promoted to it
    /// (`promotion`), or with nobody waiting it is free again.
    GiveUp,
}

/// A move the machine allows, and its effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The status the enrolment moves to.
    pub status: EnrolmentStatus,
    pub waitlist: Waitlist,
    pub places: Places,
    /// Whether the school may owe the project's fee for a late withdrawal: it does when the
    /// move comes after the last day of notice before the next session
    /// (`FeePolicy::for_withdrawal`).
    pub late_withdrawal: bool,
}

impl Outcome {
    fn to(status: EnrolmentStatus, waitlist: Waitlist, places: Places) -> Self {
        Self {
            status,
            waitlist,
            places,
            late_withdrawal: false,
        }
    }
}

/// Where a new expression of interest stands, asked at `now` of a group with `admission`: a
/// place while one is free (automatic admission), else the end of the waiting list; pending
/// for review. Refused unless the group takes expressions of interest (open or full, its
/// deadline ahead).
pub fn admit(
    group: &GroupFacts,
    admission: Admission,
    now: DateTime<Utc>,
) -> Result<Outcome, RuleBroken> {
    use EnrolmentStatus::Pending;
    if !matches!(group.status, WorkGroupStatus::Open | WorkGroupStatus::Full) {
        return Err(RuleBroken(format!(
            "The work group is {}: it takes no more expressions of interest.",
            group.status
        )));
    }
    if group.eoi_deadline.is_some_and(|deadline| deadline <= now) {
        return Err(RuleBroken(
            "The expression-of-interest deadline has passed.".into(),
        ));
    }
    Ok(match admission {
        Admission::Review => Outcome::to(Pending, Waitlist::Untouched, Places::Unchanged),
        Admission::Automatic => admitted_automatically(group),
    })
}

/// Where automatic admission puts an enrolment now: a place while one is free, else the end
/// of the waiting list.
fn admitted_automatically(group: &GroupFacts) -> Outcome {
    if lifecycle::has_free_place(group) {
        Outcome::to(EnrolmentStatus::Accepted, Waitlist::Untouched, Places::Take)
    } else {
        Outcome::to(
            EnrolmentStatus::Waitlisted,
            Waitlist::JoinAtEnd,
            Places::Unchanged,
        )
    }
}

/// A group that confirms places only with the school's senior leader's agreement
/// (`requires_senior_leader_agreement`) holds back an expression of interest that comes
/// without it: `admitted` becomes pending, taking no place and joining no list, until the
/// agreement is recorded (`on_agreement`).
pub fn until_agreed(admitted: Outcome, awaiting_agreement: bool) -> Outcome {
    if awaiting_agreement {
        Outcome::to(
            EnrolmentStatus::Pending,
            Waitlist::Untouched,
            Places::Unchanged,
        )
    } else {
        admitted
    }
}

/// Refuses to accept an enrolment still awaiting the agreement its group requires.
pub fn require_agreement(action: Action, awaiting_agreement: bool) -> Result<(), RuleBroken> {
    if action == Action::Accept && awaiting_agreement {
        return Err(RuleBroken(
            "The work group confirms places only with the school's senior leader's agreement: record it first."
                .into(),
        ));
    }
    Ok(())
}

/// Where an enrolment held back for the agreement goes once it is recorded: a pending one as
/// automatic admission would put it then, in a group that admits automatically and still
/// takes expressions of interest (open or full); a waitlisted one, passed over while it
/// waited, onto a place that is free. `None` leaves it where it is: pending for the group's
/// staff, or waiting its turn.
pub fn on_agreement(
    status: EnrolmentStatus,
    admission: Admission,
    group: &GroupFacts,
) -> Option<Outcome> {
    let takes_interest = matches!(group.status, WorkGroupStatus::Open | WorkGroupStatus::Full);
    match status {
        EnrolmentStatus::Pending if admission == Admission::Automatic && takes_interest => {
            Some(admitted_automatically(group))
        }
        EnrolmentStatus::Waitlisted if lifecycle::has_free_place(group) => Some(Outcome::to(
            EnrolmentStatus::Accepted,
            Waitlist::Leave,
            Places::Take,
        )),
        _ => None,
    }
}

/// What `action` does to an enrolment in `status` of a group in the state `group`, or the
/// rule it breaks.
pub fn decide(
    status: EnrolmentStatus,
    action: Action,
    group: &GroupFacts,
) -> Result<Outcome, RuleBroken> {
    use EnrolmentStatus::{Accepted, Declined, Pending, Waitlisted, Withdrawn};
    if matches!(
        group.status,
        WorkGroupStatus::Completed | WorkGroupStatus::Cancelled
    ) {
        return Err(RuleBroken(format!(
            "The work group is {}: its enrolments no longer change.",
            group.status
        )));
    }
    let off_the_list = if status == Waitlisted {
        Waitlist::Leave
    } else {
        Waitlist::Untouched
    };
    match (action, status) {
        (Action::Accept, Pending | Waitlisted) if !lifecycle::has_free_place(group) => Err(
            RuleBroken("The work group is full: no place is free to accept this enrolment.".into()),
        ),
        (Action::Accept, Pending | Waitlisted) => {
            Ok(Outcome::to(Accepted, off_the_list, Places::Take))
        }
        (Action::Decline, Pending | Waitlisted) => {
            Ok(Outcome::to(Declined, off_the_list, Places::Unchanged))
        }
        (Action::Waitlist, Pending) => Ok(Outcome::to(
            Waitlisted,
            Waitlist::JoinAtEnd,
            Places::Unchanged,
        )),
        (Action::Withdraw, Pending | Waitlisted) => {
            Ok(Outcome::to(Withdrawn, off_the_list, Places::Unchanged))
        }
        (Action::Withdraw, Accepted) => Ok(Outcome {
            late_withdrawal: true,
            ..Outcome::to(Withdrawn, Waitlist::Untouched, Places::GiveUp)
        }),
        _ => Err(RuleBroken(format!(
            "An enrolment that is {status} cannot be {}.",
            action.verb()
        ))),
    }
}

/// The move of the first on the waiting list onto a place given up (`Places::GiveUp`): it
/// leaves the list and is accepted, and the count of places stays.
pub fn promotion() -> Outcome {
    Outcome::to(
        EnrolmentStatus::Accepted,
        Waitlist::Leave,
        Places::Unchanged,
    )
}

/// The status completing its group leaves an enrolment holding a place in: `completed` when
/// its attendance meets the project's participation rule, `accepted` otherwise (a
/// correction to the register can take it back below the rule).
pub fn on_completion(participates: bool) -> EnrolmentStatus {
    if participates {
        EnrolmentStatus::Completed
    } else {
        EnrolmentStatus::Accepted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::examples::{now, ready};
    use EnrolmentStatus::{Accepted, Completed, Declined, Pending, Waitlisted, Withdrawn};

    /// A group in `status` of 30 places, `accepted_count` of them taken, its deadline ahead.
    fn group(status: WorkGroupStatus, accepted_count: i32) -> GroupFacts {
        GroupFacts {
            accepted_count,
            ..ready(status)
        }
    }

    fn open() -> GroupFacts {
        group(WorkGroupStatus::Open, 10)
    }

    const ACTIONS: [Action; 4] = [
        Action::Accept,
        Action::Decline,
        Action::Waitlist,
        Action::Withdraw,
    ];

    fn refused(status: EnrolmentStatus, action: Action) -> String {
        format!("An enrolment that is {status} cannot be {}.", action.verb())
    }

    #[test]
    fn a_group_requiring_the_agreement_holds_an_expression_of_interest_pending_without_it() {
        let admitted = admit(&open(), Admission::Automatic, now()).unwrap();
        assert_eq!(admitted.status, Accepted);
        assert_eq!(until_agreed(admitted, false), admitted);
        assert_eq!(
            until_agreed(admitted, true),
            Outcome::to(Pending, Waitlist::Untouched, Places::Unchanged)
        );
        assert!(require_agreement(Action::Accept, true).is_err());
        assert!(require_agreement(Action::Accept, false).is_ok());
        for action in [Action::Decline, Action::Waitlist, Action::Withdraw] {
            assert!(require_agreement(action, true).is_ok());
        }
    }

    #[test]
    fn recording_the_agreement_admits_what_was_held_back() {
        let full = group(WorkGroupStatus::Full, 30);
        let take = Outcome::to(Accepted, Waitlist::Untouched, Places::Take);
        let join = Outcome::to(Waitlisted, Waitlist::JoinAtEnd, Places::Unchanged);
        assert_eq!(
            on_agreement(Pending, Admission::Automatic, &open()),
            Some(take)
        );
        assert_eq!(
            on_agreement(Pending, Admission::Automatic, &full),
            Some(join)
        );
        assert_eq!(on_agreement(Pending, Admission::Review, &open()), None);
        let closed = group(WorkGroupStatus::Closed, 10);
        assert_eq!(on_agreement(Pending, Admission::Automatic, &closed), None);
        assert_eq!(
            on_agreement(Waitlisted, Admission::Review, &open()),
            Some(Outcome::to(Accepted, Waitlist::Leave, Places::Take))
        );
        assert_eq!(on_agreement(Waitlisted, Admission::Automatic, &full), None);
        assert_eq!(on_agreement(Accepted, Admission::Automatic, &open()), None);
    }

    /// Every move asked of every status in an open group with places free: its outcome, or
    /// the words of its refusal.
    #[test]
    fn every_move_from_every_status_is_decided() {
        use Places::{GiveUp, Take, Unchanged};
        use Waitlist::{JoinAtEnd, Leave, Untouched};
        let allowed = |status, waitlist, places| Ok(Outcome::to(status, waitlist, places));
        let late = Ok(Outcome {
            late_withdrawal: true,
            ..Outcome::to(Withdrawn, Untouched, GiveUp)
        });
        let cases: [(EnrolmentStatus, Action, Result<Outcome, ()>); 24] = [
            (Pending, Action::Accept, allowed(Accepted, Untouched, Take)),
            (
                Pending,
                Action::Decline,
                allowed(Declined, Untouched, Unchanged),
            ),
            (
                Pending,
                Action::Waitlist,
                allowed(Waitlisted, JoinAtEnd, Unchanged),
            ),
            (
                Pending,
                Action::Withdraw,
                allowed(Withdrawn, Untouched, Unchanged),
            ),
            (Accepted, Action::Accept, Err(())),
            (Accepted, Action::Decline, Err(())),
            (Accepted, Action::Waitlist, Err(())),
            (Accepted, Action::Withdraw, late),
            (Waitlisted, Action::Accept, allowed(Accepted, Leave, Take)),
            (
                Waitlisted,
                Action::Decline,
                allowed(Declined, Leave, Unchanged),
            ),
            (Waitlisted, Action::Waitlist, Err(())),
            (
                Waitlisted,
                Action::Withdraw,
                allowed(Withdrawn, Leave, Unchanged),
            ),
            (Declined, Action::Accept, Err(())),
            (Declined, Action::Decline, Err(())),
            (Declined, Action::Waitlist, Err(())),
            (Declined, Action::Withdraw, Err(())),
            (Withdrawn, Action::Accept, Err(())),
            (Withdrawn, Action::Decline, Err(())),
            (Withdrawn, Action::Waitlist, Err(())),
            (Withdrawn, Action::Withdraw, Err(())),
            (Completed, Action::Accept, Err(())),
            (Completed, Action::Decline, Err(())),
            (Completed, Action::Waitlist, Err(())),
            (Completed, Action::Withdraw, Err(())),
        ];
        for status in EnrolmentStatus::ALL {
            for action in ACTIONS {
                assert!(
                    cases
                        .iter()
                        .any(|case| (case.0, case.1) == (*status, action)),
                    "{action:?} of a {status} enrolment is not decided"
                );
            }
        }
        for (status, action, expected) in cases {
            let expected = expected.map_err(|()| RuleBroken(refused(status, action)));
            assert_eq!(
                decide(status, action, &open()),
                expected,
                "{action:?} of a {status} enrolment"
            );
        }
    }

    #[test]
    fn a_full_group_accepts_nobody_and_every_other_move_stays_allowed() {
        let full = group(WorkGroupStatus::Full, 30);
        for status in [Pending, Waitlisted] {
            assert_eq!(
                decide(status, Action::Accept, &full).unwrap_err().0,
                "The work group is full: no place is free to accept this enrolment."
            );
            assert!(decide(status, Action::Decline, &full).is_ok(), "{status}");
            assert!(decide(status, Action::Withdraw, &full).is_ok(), "{status}");
        }
        assert!(decide(Pending, Action::Waitlist, &full).is_ok());
        assert!(decide(Accepted, Action::Withdraw, &full).is_ok());
        let without_capacity = GroupFacts {
            capacity: None,
            ..open()
        };
        assert!(decide(Pending, Action::Accept, &without_capacity).is_err());
    }

    #[test]
    fn a_status_a_move_never_leaves_is_refused_before_the_places_are_counted() {
        let full = group(WorkGroupStatus::Full, 30);
        assert_eq!(
            decide(Accepted, Action::Accept, &full).unwrap_err().0,
            "An enrolment that is accepted cannot be accepted."
        );
    }

    #[test]
    fn enrolments_of_a_completed_or_cancelled_group_no_longer_change() {
        for group_status in [WorkGroupStatus::Completed, WorkGroupStatus::Cancelled] {
            for status in EnrolmentStatus::ALL {
                for action in ACTIONS {
                    assert_eq!(
                        decide(*status, action, &group(group_status, 10))
                            .unwrap_err()
                            .0,
                        format!(
                            "The work group is {group_status}: its enrolments no longer change."
                        )
                    );
                }
            }
        }
    }

    #[test]
    fn enrolments_of_a_group_before_completion_change_whatever_its_status() {
        use WorkGroupStatus::{Closed, Draft, Full, Open, Running};
        for group_status in [Draft, Open, Full, Closed, Running] {
            assert!(
                decide(Pending, Action::Decline, &group(group_status, 10)).is_ok(),
                "{group_status}"
            );
            assert!(
                decide(Accepted, Action::Withdraw, &group(group_status, 10)).is_ok(),
                "{group_status}"
            );
        }
    }

    #[test]
    fn only_a_withdrawal_from_a_place_may_charge_a_fee() {
        for status in EnrolmentStatus::ALL {
            for action in ACTIONS {
                if let Ok(outcome) = decide(*status, action, &open()) {
                    assert_eq!(
                        outcome.late_withdrawal,
                        (*status, action) == (Accepted, Action::Withdraw),
                        "{action:?} of a {status} enrolment"
                    );
                }
            }
        }
        assert!(!promotion().late_withdrawal);
    }

    #[test]
    fn automatic_admission_takes_a_free_place_then_joins_the_end_of_the_waiting_list() {
        let admitted = |accepted| {
            admit(
                &group(WorkGroupStatus::Open, accepted),
                Admission::Automatic,
                now(),
            )
        };
        assert_eq!(
            admitted(29),
            Ok(Outcome::to(Accepted, Waitlist::Untouched, Places::Take))
        );
        let full = admit(
            &group(WorkGroupStatus::Full, 30),
            Admission::Automatic,
            now(),
        );
        assert_eq!(
            full,
            Ok(Outcome::to(
                Waitlisted,
                Waitlist::JoinAtEnd,
                Places::Unchanged
            ))
        );
    }

    #[test]
    fn admission_by_review_waits_for_the_staff_even_with_places_free() {
        for (status, accepted) in [(WorkGroupStatus::Open, 0), (WorkGroupStatus::Full, 30)] {
            assert_eq!(
                admit(&group(status, accepted), Admission::Review, now()),
                Ok(Outcome::to(Pending, Waitlist::Untouched, Places::Unchanged))
            );
        }
    }

    #[test]
    fn only_an_open_or_full_group_before_its_deadline_takes_interest() {
        use WorkGroupStatus::{Cancelled, Closed, Completed, Draft, Running};
        for status in [Draft, Closed, Running, Completed, Cancelled] {
            assert_eq!(
                admit(&group(status, 0), Admission::Automatic, now())
                    .unwrap_err()
                    .0,
                format!("The work group is {status}: it takes no more expressions of interest.")
            );
        }
        let deadline = open().eoi_deadline.unwrap();
        for at in [deadline, deadline + chrono::Duration::seconds(1)] {
            assert_eq!(
                admit(&open(), Admission::Review, at).unwrap_err().0,
                "The expression-of-interest deadline has passed."
            );
        }
        let no_deadline = GroupFacts {
            eoi_deadline: None,
            ..open()
        };
        assert!(admit(&no_deadline, Admission::Review, now()).is_ok());
    }

    #[test]
    fn the_first_waiting_takes_over_a_place_given_up() {
        assert_eq!(
            promotion(),
            Outcome::to(Accepted, Waitlist::Leave, Places::Unchanged)
        );
    }

    #[test]
    fn completion_settles_a_place_by_attendance_both_ways() {
        assert_eq!(on_completion(true), Completed);
        assert_eq!(on_completion(false), Accepted);
    }

    #[test]
    fn each_move_is_named_in_a_word() {
        let verbs: Vec<&str> = ACTIONS.iter().map(|action| action.verb()).collect();
        assert_eq!(verbs, ["accepted", "declined", "waitlisted", "withdrawn"]);
    }
}
