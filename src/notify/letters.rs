//! The words of each message: a subject, a plain-text and an HTML body from the templates in
//! `templates/`, times in London, money in pounds, and a link to the page of the front end
//! where the recipient acts on it.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::account_tokens::AccountTokens;
use crate::config::PublicUrl;
use crate::domain::fees::pounds;
use crate::domain::notice::{self, FeeCharged, SessionPlan};
use crate::domain::{EnrolmentStatus, FeeReason, NoticeKind, SessionMode};

/// What a message tells, as the outbox holds it (`db::outbox`): the work group and the
/// enrolment it concerns, and what the change that wrote it added.
#[derive(Debug, Clone, Deserialize)]
pub struct Facts {
    pub work_group: GroupFacts,
    pub enrolment: EnrolmentFacts,
    #[serde(default)]
    pub session: Option<SessionPlan>,
    /// The session before a change.
    #[serde(default)]
    pub before: Option<SessionPlan>,
    /// What of the session changed: `time`, `mode`, `venue`.
    #[serde(default)]
    pub changed: Vec<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub fee: Option<FeeCharged>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GroupFacts {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub hub: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EnrolmentFacts {
    pub id: Uuid,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i32>,
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "body.txt")]
struct Body<'a> {
    kind: NoticeKind,
    /// What the message is about: the work group, or the webhook endpoint.
    about: &'a str,
    changes: String,
    charged: bool,
}

/// What a letter is made of, in both its forms.
struct Parts<'a> {
    subject: String,
    name: &'a str,
    body: String,
    details: Vec<(&'static str, String)>,
    link_label: &'a str,
    link_url: String,
    may_turn_off: bool,
}

#[derive(Template)]
#[template(path = "letter.txt")]
struct TextLetter<'a> {
    letter: &'a Parts<'a>,
}

#[derive(Template)]
#[template(path = "letter.html")]
struct HtmlLetter<'a> {
    letter: &'a Parts<'a>,
}

impl Parts<'_> {
    fn render(self) -> Result<Letter, askama::Error> {
        let text = TextLetter { letter: &self }.render()?;
        let html = HtmlLetter { letter: &self }.render()?;
        Ok(Letter {
            subject: self.subject,
            text,
            html,
        })
    }
}

/// What a message about a partner's webhook endpoint tells (`db::webhooks`).
#[derive(Debug, Clone, Deserialize)]
pub struct EndpointFacts {
    pub endpoint: DisabledEndpoint,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DisabledEndpoint {
    pub id: Uuid,
    pub url: String,
    pub failing_since: DateTime<Utc>,
    pub teaching_school_hub: String,
}

/// What a message carrying a link that sets a password tells (`db::account_tokens`): the
/// link's id, from which its token is derived, and when it expires.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkFacts {
    pub link: AccountLink,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountLink {
    pub id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// Why a letter could not be written.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("its facts are not those of a {kind} message: {source}")]
    Facts {
        kind: NoticeKind,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Template(#[from] askama::Error),
}

/// Writes letters with links into the front end at `front_end` (`{front_end}/enrolments/{id}`).
#[derive(Debug, Clone)]
pub struct Letters {
    pub front_end: PublicUrl,
    /// Derives the tokens of the links that set a password.
    pub account_tokens: AccountTokens,
}

impl Letters {
    /// The letter of `kind` to `name`, telling `facts` as the outbox holds them.
    pub fn write_message(
        &self,
        kind: NoticeKind,
        name: &str,
        facts: &serde_json::Value,
    ) -> Result<Letter, LetterError> {
        let wrong = |source| LetterError::Facts { kind, source };
        match kind {
            NoticeKind::WebhookDisabled => {
                let facts = EndpointFacts::deserialize(facts).map_err(wrong)?;
                Ok(self.endpoint_disabled(name, &facts)?)
            }
            NoticeKind::PasswordReset | NoticeKind::Invitation => {
                let facts = LinkFacts::deserialize(facts).map_err(wrong)?;
                Ok(self.password_link(kind, name, &facts.link)?)
            }
            _ => {
                let facts = Facts::deserialize(facts).map_err(wrong)?;
                Ok(self.write(kind, name, &facts)?)
            }
        }
    }

    /// The letter of `kind` to `name` about an enrolment, telling `facts`.
    pub fn write(
        &self,
        kind: NoticeKind,
        name: &str,
        facts: &Facts,
    ) -> Result<Letter, askama::Error> {
        let group = format!("{} ({})", facts.work_group.title, facts.work_group.code);
        Parts {
            subject: subject(kind, &facts.work_group.title),
            name,
            body: Body {
                kind,
                about: &group,
                changes: and_list(&facts.changed),
                charged: facts.fee.is_some(),
            }
            .render()?,
            details: details(kind, facts),
            link_label: match kind {
                NoticeKind::AwaitingReview => "Review the expression of interest",
                _ => "See your enrolment",
            },
            link_url: self
                .front_end
                .join(&format!("/enrolments/{}", facts.enrolment.id)),
            may_turn_off: notice::may_be_turned_off(kind),
        }
        .render()
    }

    /// The letter carrying a link that sets the recipient's password: a reset they asked
    /// for, or an invitation to their new account. The token rides in the URL's fragment,
    /// which browsers send to no server.
    fn password_link(
        &self,
        kind: NoticeKind,
        name: &str,
        link: &AccountLink,
    ) -> Result<Letter, askama::Error> {
        let token = self.account_tokens.token(link.id);
        Parts {
            subject: subject(kind, "Maths Hubs"),
            name,
            body: Body {
                kind,
                about: "",
                changes: String::new(),
                charged: false,
            }
            .render()?,
            details: vec![("The link works once, until", instant(link.expires_at))],
            link_label: match kind {
                NoticeKind::Invitation => "Choose your password",
                _ => "Set a new password",
            },
            link_url: self.front_end.join(&format!("/set-password#token={token}")),
            may_turn_off: false,
        }
        .render()
    }

    /// The letter telling a partner's people that an endpoint of theirs is disabled.
    fn endpoint_disabled(
        &self,
        name: &str,
        facts: &EndpointFacts,
    ) -> Result<Letter, askama::Error> {
        let endpoint = &facts.endpoint;
        Parts {
            subject: subject(NoticeKind::WebhookDisabled, &endpoint.url),
            name,
            body: Body {
                kind: NoticeKind::WebhookDisabled,
                about: &endpoint.url,
                changes: String::new(),
                charged: false,
            }
            .render()?,
            details: vec![
                ("Teaching School Hub", endpoint.teaching_school_hub.clone()),
                ("Endpoint", endpoint.url.clone()),
                ("Failing since", instant(endpoint.failing_since)),
            ],
            link_label: "See the endpoint and its deliveries",
            link_url: self
                .front_end
                .join(&format!("/partners/webhooks/{}", endpoint.id)),
            may_turn_off: false,
        }
        .render()
    }
}

fn subject(kind: NoticeKind, title: &str) -> String {
    let about = match kind {
        NoticeKind::InterestReceived => "Expression of interest received",
        NoticeKind::AwaitingReview => "An expression of interest awaits your review",
        NoticeKind::Accepted => "You have a place",
        NoticeKind::Declined => "Expression of interest declined",
        NoticeKind::Waitlisted => "You are on the waiting list",
        NoticeKind::Promoted => "A place has freed for you",
        NoticeKind::Withdrawn => "Withdrawal confirmed",
        NoticeKind::SessionChanged => "A session has changed",
        NoticeKind::SessionCancelled => "A session is cancelled",
        NoticeKind::WorkGroupCancelled => "Work group cancelled",
        NoticeKind::FeeCharged => "A fee is charged",
        NoticeKind::SessionReminder => "Your next session",
        NoticeKind::WebhookDisabled => "Webhook endpoint disabled",
        NoticeKind::PasswordReset => "Set a new password",
        NoticeKind::Invitation => "Your account is ready",
    };
    format!("{about}: {title}")
}

/// The facts shown under the body, label and value.
fn details(kind: NoticeKind, facts: &Facts) -> Vec<(&'static str, String)> {
    let mut rows = vec![(
        "Work group",
        format!(
            "{} ({}), {}",
            facts.work_group.title, facts.work_group.code, facts.work_group.hub
        ),
    )];
    if let Some(session) = &facts.session {
        rows.push(("When", when(session)));
        rows.push(("Where", place(session)));
    }
    if let Some(before) = &facts.before {
        rows.push((
            "Before the change",
            format!("{}, {}", when(before), place(before)),
        ));
    }
    if let (NoticeKind::Waitlisted, Some(position)) = (kind, facts.enrolment.waitlist_position) {
        rows.push(("Position on the waiting list", position.to_string()));
    }
    if let Some(reason) = &facts.reason {
        rows.push(("Reason", reason.clone()));
    }
    if let Some(fee) = &facts.fee {
        let why = match fee.reason {
            FeeReason::LateWithdrawal => "late withdrawal",
            FeeReason::NonAttendance => "non-attendance",
        };
        rows.push((
            "Fee",
            format!("{} ({why})", pounds(fee.amount_pence.into())),
        ));
        rows.push(("For the session of", day(fee.session_starts_at)));
    }
    rows
}

/// "Tuesday 12 January 2027, 13:30 to 16:00" in London time (both days when it spans two).
fn when(session: &SessionPlan) -> String {
    let (starts, ends) = (
        session.starts_at.with_timezone(&London),
        session.ends_at.with_timezone(&London),
    );
    if starts.date_naive() == ends.date_naive() {
        format!(
            "{}, {} to {}",
            day(session.starts_at),
            starts.format("%H:%M"),
            ends.format("%H:%M")
        )
    } else {
        format!(
            "{}, {} to {}, {}",
            day(session.starts_at),
            starts.format("%H:%M"),
            day(session.ends_at),
            ends.format("%H:%M")
        )
    }
}

/// "Tuesday 12 January 2027, 13:30", in London time.
fn instant(at: DateTime<Utc>) -> String {
    format!("{}, {}", day(at), at.with_timezone(&London).format("%H:%M"))
}

/// "Tuesday 12 January 2027", the London day of `instant`.
fn day(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&London)
        .format("%A %-d %B %Y")
        .to_string()
}

fn place(session: &SessionPlan) -> String {
    let venue = [
        &session.venue_name,
        &session.venue_address,
        &session.venue_postcode,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join(", ");
    match (session.mode, venue.is_empty()) {
        (SessionMode::Online, _) => "Online (the joining link is on the session's page)".into(),
        (SessionMode::FaceToFace, true) => "Face to face (venue to be confirmed)".into(),
        (SessionMode::FaceToFace, false) => venue,
    }
}

/// "time", "time and venue", "time, mode and venue".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts() -> Facts {
        serde_json::from_value(serde_json::json!({
            "work_group": {"id": Uuid::nil(), "code": "NW26-94-01", "title": "Years 5–8 Continuity", "hub": "Ember Maths Hub"},
            "enrolment": {"id": Uuid::nil(), "status": "waitlisted", "waitlist_position": 3},
        }))
        .unwrap()
    }

    fn letters() -> Letters {
        Letters {
            front_end: PublicUrl::parse("https://maths.example").unwrap(),
            account_tokens: AccountTokens::new(&crate::config::Secret::new(
                "a signing key of at least thirty-two bytes",
            )),
        }
    }

    #[test]
    fn a_waitlisted_letter_gives_the_position_and_a_link_to_the_enrolment() {
        let letter = letters()
            .write(NoticeKind::Waitlisted, "Ada Lovelace", &facts())
            .unwrap();
        assert_eq!(
            letter.subject,
            "You are on the waiting list: Years 5–8 Continuity"
        );
        assert!(letter.text.starts_with("Dear Ada Lovelace,\n\n"));
        assert!(letter.text.contains("Position on the waiting list: 3"));
        let link = format!("https://maths.example/enrolments/{}", Uuid::nil());
        assert!(letter.text.contains(&link));
        assert!(letter.html.contains(&format!("href=\"{link}\"")));
    }

    #[test]
    fn html_escapes_what_people_wrote() {
        let mut facts = facts();
        facts.reason = Some("<script>alert(1)</script> & more".into());
        let letter = letters()
            .write(NoticeKind::Declined, "O'Brien <b>", &facts)
            .unwrap();
        assert!(!letter.html.contains("<script>"));
        assert!(letter.html.contains("&#60;script&#62;"), "{}", letter.html);
        assert!(!letter.html.contains("<b>"));
        assert!(
            letter
                .text
                .contains("Reason: <script>alert(1)</script> & more")
        );
    }

    #[test]
    fn sessions_are_told_in_london_time() {
        let mut facts = facts();
        facts.session = Some(SessionPlan {
            id: Uuid::nil(),
            starts_at: Utc.with_ymd_and_hms(2027, 6, 15, 12, 30, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2027, 6, 15, 15, 0, 0).unwrap(),
            mode: SessionMode::FaceToFace,
            venue_name: Some("Bolton Library".into()),
            venue_address: None,
            venue_postcode: Some("BL1 1SE".into()),
        });
        let letter = letters()
            .write(NoticeKind::SessionReminder, "Ada", &facts)
            .unwrap();
        assert!(
            letter
                .text
                .contains("When: Tuesday 15 June 2027, 13:30 to 16:00")
        );
        assert!(letter.text.contains("Where: Bolton Library, BL1 1SE"));
        assert!(letter.text.contains("turn reminders before sessions off"));
    }

    #[test]
    fn a_late_withdrawal_names_the_fee_in_pounds() {
        let mut facts = facts();
        facts.fee = Some(FeeCharged {
            amount_pence: 2550,
            reason: FeeReason::LateWithdrawal,
            session_starts_at: Utc.with_ymd_and_hms(2027, 1, 12, 13, 30, 0).unwrap(),
        });
        let letter = letters()
            .write(NoticeKind::Withdrawn, "Ada", &facts)
            .unwrap();
        assert!(letter.text.contains("your school owes the fee below"));
        assert!(letter.text.contains("Fee: £25.50 (late withdrawal)"));
        assert!(
            letter
                .text
                .contains("For the session of: Tuesday 12 January 2027")
        );
        assert!(!letter.text.contains("turn reminders"));
    }

    #[test]
    fn every_kind_has_its_own_words() {
        let about_enrolments: Vec<&NoticeKind> = NoticeKind::ALL
            .iter()
            .filter(|kind| {
                !matches!(
                    kind,
                    NoticeKind::WebhookDisabled
                        | NoticeKind::PasswordReset
                        | NoticeKind::Invitation
                )
            })
            .collect();
        let bodies: std::collections::BTreeSet<String> = about_enrolments
            .iter()
            .map(|kind| letters().write(**kind, "Ada", &facts()).unwrap().text)
            .collect();
        assert_eq!(bodies.len(), about_enrolments.len());
    }

    #[test]
    fn a_disabled_endpoint_is_told_with_its_address_and_since_when() {
        let facts = serde_json::json!({"endpoint": {
            "id": Uuid::nil(), "url": "https://tsh.example/hooks",
            "failing_since": "2027-01-12T09:00:00Z", "teaching_school_hub": "London District East"}});
        let letter = letters()
            .write_message(NoticeKind::WebhookDisabled, "Priya", &facts)
            .unwrap();
        assert_eq!(
            letter.subject,
            "Webhook endpoint disabled: https://tsh.example/hooks"
        );
        assert!(
            letter
                .text
                .contains("Failing since: Tuesday 12 January 2027, 09:00")
        );
        assert!(letter.text.contains("resume it"));
        let link = format!("https://maths.example/partners/webhooks/{}", Uuid::nil());
        assert!(letter.text.contains(&link));
    }

    #[test]
    fn a_password_link_carries_the_token_derived_from_its_id_and_its_expiry() {
        let id = Uuid::now_v7();
        let facts = serde_json::json!({"link": {"id": id, "expires_at": "2027-01-12T10:30:00Z"}});
        let letters = letters();
        let token = letters.account_tokens.token(id);
        for (kind, label) in [
            (NoticeKind::PasswordReset, "Set a new password"),
            (NoticeKind::Invitation, "Choose your password"),
        ] {
            let letter = letters.write_message(kind, "Ada", &facts).unwrap();
            let link = format!("{label}: https://maths.example/set-password#token={token}");
            assert!(letter.text.contains(&link), "{}", letter.text);
            assert!(
                letter
                    .text
                    .contains("until: Tuesday 12 January 2027, 10:30")
            );
            assert!(letter.html.contains(&token));
        }
    }

    #[test]
    fn facts_of_another_kind_are_refused_not_guessed() {
        let refused =
            letters().write_message(NoticeKind::WebhookDisabled, "Ada", &serde_json::json!({}));
        assert!(matches!(refused, Err(LetterError::Facts { .. })));
    }

    #[test]
    fn changes_are_listed_as_people_write_them() {
        let list =
            |items: &[&str]| and_list(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(list(&["time"]), "time");
        assert_eq!(list(&["time", "venue"]), "time and venue");
        assert_eq!(list(&["time", "mode", "venue"]), "time, mode and venue");
    }
}
