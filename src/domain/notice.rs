//! Who is told what, as pure rules: the message each move of an enrolment sends its
//! participant (and, for one awaiting review, the group's leads), what counts as a change of
//! a session worth telling those holding a place, and which messages a person may turn off.
//! The messages are written into the outbox in the transaction of the change
//! (`db::outbox`), so one exists if and only if its change committed.

use chrono::{DateTime, Utc};

use uuid::Uuid;

use super::{EnrolmentStatus, FeeReason, NoticeKind, SessionMode};

/// The message telling a participant their enrolment now stands at `status`; `None` for a
/// completion, which the status clock makes as a group ends and nobody is told of.
pub fn telling(status: EnrolmentStatus) -> Option<NoticeKind> {
    match status {
        EnrolmentStatus::Pending => Some(NoticeKind::InterestReceived),
        EnrolmentStatus::Accepted => Some(NoticeKind::Accepted),
        EnrolmentStatus::Declined => Some(NoticeKind::Declined),
        EnrolmentStatus::Waitlisted => Some(NoticeKind::Waitlisted),
        EnrolmentStatus::Withdrawn => Some(NoticeKind::Withdrawn),
        EnrolmentStatus::Completed => None,
    }
}

/// Whether the group's leads hear of an enrolment at `status`: one pending awaits their review.
pub fn leads_review(status: EnrolmentStatus) -> bool {
    status == EnrolmentStatus::Pending
}

/// Whether the recipient may turn this kind of message off. Messages about their place and
/// their school's fees always go; only reminders before sessions may be turned off.
pub fn may_be_turned_off(kind: NoticeKind) -> bool {
    kind == NoticeKind::SessionReminder
}

/// A session as messages tell of it: when, how and where it takes place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionPlan {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: SessionMode,
    pub venue_name: Option<String>,
    pub venue_address: Option<String>,
    pub venue_postcode: Option<String>,
}

/// A fee as the message charging it tells of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeCharged {
    pub amount_pence: i32,
    pub reason: FeeReason,
    /// The start of the session it is charged against.
    pub session_starts_at: DateTime<Utc>,
}

/// What changed between two plans of a session, in the words the message uses (`time`,
/// `mode`, `venue`); empty when nothing a participant must hear of changed (its notes or
/// joining link, which they read where they always do).
pub fn changed(before: &SessionPlan, after: &SessionPlan) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at) {
        changed.push("time");
    }
    if before.mode != after.mode {
        changed.push("mode");
    }
    fn venue(plan: &SessionPlan) -> [&Option<String>; 3] {
        [&plan.venue_name, &plan.venue_address, &plan.venue_postcode]
    }
    if venue(before) != venue(after) {
        changed.push("venue");
    }
    changed
}

/// What those holding a place are told changed when a session's plan moves from `before` to
/// `after` at `now`: `None` when they need not hear of it, because nothing they must know of
/// changed or the session has already ended (its record is being corrected).
pub fn session_moved(
    before: &SessionPlan,
    after: &SessionPlan,
    now: DateTime<Utc>,
) -> Option<Vec<&'static str>> {
    let changed = changed(before, after);
    (after.ends_at > now && !changed.is_empty()).then_some(changed)
}

/// Whether removing a session is told as its cancellation: only one yet to begin is (removing
/// one that took place corrects the record, which nobody need hear of).
pub fn removal_cancels(plan: &SessionPlan, now: DateTime<Utc>) -> bool {
    plan.starts_at > now
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn each_status_an_enrolment_moves_to_tells_its_participant_in_its_own_words() {
        use EnrolmentStatus::*;
        let told: Vec<_> = [
            Pending, Accepted, Declined, Waitlisted, Withdrawn, Completed,
        ]
        .into_iter()
        .map(telling)
        .collect();
        assert_eq!(
            told,
            [
                Some(NoticeKind::InterestReceived),
                Some(NoticeKind::Accepted),
                Some(NoticeKind::Declined),
                Some(NoticeKind::Waitlisted),
                Some(NoticeKind::Withdrawn),
                None,
            ]
        );
    }

    #[test]
    fn only_an_enrolment_awaiting_review_is_sent_to_the_leads() {
        for status in EnrolmentStatus::ALL {
            assert_eq!(leads_review(*status), *status == EnrolmentStatus::Pending);
        }
    }

    #[test]
    fn only_reminders_may_be_turned_off() {
        let optional: Vec<_> = NoticeKind::ALL
            .iter()
            .filter(|kind| may_be_turned_off(**kind))
            .collect();
        assert_eq!(optional, [&NoticeKind::SessionReminder]);
    }

    fn plan() -> SessionPlan {
        SessionPlan {
            id: Uuid::nil(),
            starts_at: Utc.with_ymd_and_hms(2027, 1, 12, 13, 30, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2027, 1, 12, 16, 0, 0).unwrap(),
            mode: SessionMode::FaceToFace,
            venue_name: Some("Bolton Library".into()),
            venue_address: Some("Le Mans Crescent".into()),
            venue_postcode: Some("BL1 1SE".into()),
        }
    }

    #[test]
    fn a_session_changes_for_its_participants_when_its_time_mode_or_venue_does() {
        let before = plan();
        assert!(changed(&before, &before).is_empty());
        let later = SessionPlan {
            ends_at: before.ends_at + chrono::Duration::minutes(30),
            ..before.clone()
        };
        assert_eq!(changed(&before, &later), ["time"]);
        let online = SessionPlan {
            mode: SessionMode::Online,
            venue_name: None,
            venue_address: None,
            venue_postcode: None,
            ..before.clone()
        };
        assert_eq!(changed(&before, &online), ["mode", "venue"]);
        let moved = SessionPlan {
            venue_postcode: Some("BL1 1RU".into()),
            ..before.clone()
        };
        assert_eq!(changed(&before, &moved), ["venue"]);
    }

    #[test]
    fn a_moved_session_is_told_of_until_it_ends() {
        let before = plan();
        let later = SessionPlan {
            starts_at: before.starts_at + chrono::Duration::hours(1),
            ends_at: before.ends_at + chrono::Duration::hours(1),
            ..before.clone()
        };
        let during = before.starts_at + chrono::Duration::minutes(10);
        assert_eq!(session_moved(&before, &later, during), Some(vec!["time"]));
        assert_eq!(
            session_moved(&before, &before, during),
            None,
            "nothing moved"
        );
        assert_eq!(
            session_moved(&before, &later, later.ends_at),
            None,
            "it has ended"
        );
    }

    #[test]
    fn only_removing_a_session_yet_to_begin_cancels_it_for_its_participants() {
        let session = plan();
        let before_it = session.starts_at - chrono::Duration::minutes(1);
        assert!(removal_cancels(&session, before_it));
        assert!(!removal_cancels(&session, session.starts_at));
    }
}
