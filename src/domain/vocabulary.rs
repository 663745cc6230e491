//! The closed lists of the domain (kinds, phases, statuses, roles). Each is stored as text
//! under a CHECK constraint and appears in JSON and query strings in `snake_case`.

use super::ParseError;

/// Declares a closed vocabulary: serde, OpenAPI schema, parsing with a helpful error, and
/// diesel's text mapping, all from one list of variants.
macro_rules! vocabulary {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
                 diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name { $($(#[doc = $vdoc])* #[serde(rename = $text)] $variant),+ }

        // Written out rather than derived: the derive cannot read a `rename` built by a macro.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let description = concat!($($doc, "\n",)* $("\n- `", $text, "`", $(":", $vdoc,)*)+);
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .description(Some(description.trim()))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Result<Self, ParseError> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ParseError(format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(text: &str) -> Result<Self, ParseError> {
                Self::parse(text)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg>>::from_sql(bytes)?;
                Ok(Self::parse(&text).map_err(|e| format!("{} `{text}`: {e}", stringify!($name)))?)
            }
        }
    };
}

vocabulary!(
    /// The kind of a local authority, named by its GSS code prefix.
    LaKind {
        /// E10: an education authority containing districts.
        County = "county",
        /// E07: inside a county; reaches its Maths Hub through the county.
        District = "district",
        /// E06.
        Unitary = "unitary",
        /// E08.
        Metropolitan = "metropolitan",
        /// E09, including the City of London.
        LondonBorough = "london_borough",
    }
);

impl LaKind {
    /// Counties, unitaries and boroughs run education; Maths Hubs cover these.
    pub fn is_education_authority(self) -> bool {
        self != LaKind::District
    }
}

vocabulary!(
    /// A school's phase as Get Information about Schools names it.
    SchoolPhase {
        Nursery = "nursery",
        Primary = "primary",
        MiddleDeemedPrimary = "middle_deemed_primary",
        Secondary = "secondary",
        MiddleDeemedSecondary = "middle_deemed_secondary",
        SixteenPlus = "sixteen_plus",
        AllThrough = "all_through",
        NotApplicable = "not_applicable",
    }
);

vocabulary!(
    /// Whether a school is open (GIAS `EstablishmentStatus`).
    SchoolStatus { Open = "open", Closed = "closed" }
);

vocabulary!(
    /// The programme phases a project or work group serves (not a school's GIAS phase).
    ProgrammePhase {
        EarlyYears = "early_years",
        Primary = "primary",
        Secondary = "secondary",
        Post16 = "post_16",
    }
);

vocabulary!(
    /// What kind of project: a national NCP, a hub's local project, or an innovation project.
    ProjectKind { National = "national", Local = "local", Innovation = "innovation" }
);

vocabulary!(
    /// A participant's role in their school, used for project eligibility.
    RoleInSchool {
        HeadOfDepartment = "head_of_department",
        ProspectiveHeadOfDepartment = "prospective_head_of_department",
        SeniorLeader = "senior_leader",
        MathsLead = "maths_lead",
        Teacher = "teacher",
        EarlyYearsPractitioner = "early_years_practitioner",
        Other = "other",
    }
);

vocabulary!(
    /// What an account may do (SPEC section 4).
    Role {
        /// National administration: everything.
        Admin = "admin",
        /// Runs one Maths Hub: its work groups and its leads.
        HubManager = "hub_manager",
        /// A Local Leader of Maths Education of one hub, leading work groups.
        Lead = "lead",
        /// A teacher, enrolling for their school.
        Participant = "participant",
        /// A partner Teaching School Hub's integration, reading its area's offer.
        Partner = "partner",
    }
);

vocabulary!(
    /// How a work group is delivered.
    DeliveryMode { FaceToFace = "face_to_face", Online = "online", Blended = "blended" }
);

vocabulary!(
    /// How a single session meets.
    SessionMode { FaceToFace = "face_to_face", Online = "online" }
);

vocabulary!(
    /// Whether a session takes place.
    SessionStatus {
        /// Takes place as planned.
        Scheduled = "scheduled",
        /// Called off, with a reason; still listed, so people see the date is off.
        Cancelled = "cancelled",
    }
);

vocabulary!(
    /// A workshop, or a school-based task between workshops.
    SessionKind { Workshop = "workshop", SchoolBasedTask = "school_based_task" }
);

vocabulary!(
    /// How expressions of interest become places.
    Admission {
        /// First come, first served; then the waiting list.
        Automatic = "automatic",
        /// The hub accepts or declines each expression of interest.
        Review = "review",
    }
);

vocabulary!(
    /// Where a work group is in its life.
    WorkGroupStatus {
        Draft = "draft",
        Open = "open",
        Full = "full",
        Closed = "closed",
        Running = "running",
        Completed = "completed",
        Cancelled = "cancelled",
    }
);

vocabulary!(
    /// Where an expression of interest stands.
    EnrolmentStatus {
        /// Waiting for the group's staff to decide (admission `review`).
        Pending = "pending",
        /// Holds a place.
        Accepted = "accepted",
        /// On the waiting list, at `waitlist_position`.
        Waitlisted = "waitlisted",
        Declined = "declined",
        Withdrawn = "withdrawn",
        Completed = "completed",
    }
);

impl EnrolmentStatus {
    /// The statuses of a participant holding a place in a group: counted in its register,
    /// shown its online joining links.
    pub const HOLDING_A_PLACE: [EnrolmentStatus; 2] =
        [EnrolmentStatus::Accepted, EnrolmentStatus::Completed];

    pub fn holds_place(self) -> bool {
        Self::HOLDING_A_PLACE.contains(&self)
    }
}

vocabulary!(
    /// A participant's attendance at one session, as the group's staff record it.
    AttendanceStatus {
        Present = "present",
        /// Not there: the school owes the project's fee unless apologies came in time.
        Absent = "absent",
        /// Not there, with apologies (and when they came): charged like `absent` when they
        /// came too late.
        Apologies = "apologies",
    }
);

vocabulary!(
    /// Why a school owes a fee.
    FeeReason {
        /// A participant absent from a session without apologies in time.
        NonAttendance = "non_attendance",
        /// A withdrawal after the last London day of notice before the next session.
        LateWithdrawal = "late_withdrawal",
    }
);

vocabulary!(
    /// Where a fee stands in the ledger.
    FeeStatus {
        /// The school owes it.
        Owed = "owed",
        /// A hub manager or admin let the school off, with a reason.
        Waived = "waived",
        /// The school paid it: a hub manager or admin recorded the payment.
        Paid = "paid",
        /// The attendance behind it was corrected, or its session cancelled: it was never
        /// owed. Kept for the record; one that was paid keeps its payment, to be refunded.
        Voided = "voided",
    }
);

vocabulary!(
    /// How an LLME leads a work group.
    LeadRole { WorkGroupLead = "work_group_lead", CohortLead = "cohort_lead" }
);

vocabulary!(
    /// What kind of organisation a hub's strategic partner is.
    StrategicPartnerKind {
        School = "school",
        College = "college",
        TeachingSchoolAlliance = "teaching_school_alliance",
        ResearchSchool = "research_school",
        Trust = "trust",
        University = "university",
        Partnership = "partnership",
        Other = "other",
    }
);

vocabulary!(
    /// Why a Maths Hub and a Teaching School Hub are partners.
    Partnership {
        /// Recorded as a partnership.
        Explicit = "explicit",
        /// Derived: the Teaching School Hub's area holds an authority the hub covers (a district through its county).
        OverlappingArea = "overlapping area",
    }
);

vocabulary!(
    /// What happened to a work group, as the change feed partner sites follow tells it.
    ChangeKind {
        /// Opened for expressions of interest (first, or again after closing).
        Opened = "opened",
        /// Its details, sessions or places changed.
        Updated = "updated",
        /// Its last place was taken: expressions of interest now join the waiting list.
        Filled = "filled",
        /// A place freed in a full group.
        Reopened = "reopened",
        /// Closed to expressions of interest.
        Closed = "closed",
        /// Cancelled, with a reason.
        Cancelled = "cancelled",
        /// Its first session began.
        Running = "running",
        /// Its last session ended.
        Completed = "completed",
    }
);

vocabulary!(
    /// What a message tells its recipient.
    NoticeKind {
        /// To a participant: their expression of interest awaits the group's review.
        InterestReceived = "interest_received",
        /// To the group's leads: an expression of interest awaits their review.
        AwaitingReview = "awaiting_review",
        /// To a participant: they have a place.
        Accepted = "accepted",
        /// To a participant: their expression of interest was declined.
        Declined = "declined",
        /// To a participant: they are on the waiting list, at a position.
        Waitlisted = "waitlisted",
        /// To a participant: a place freed and passed to them from the waiting list.
        Promoted = "promoted",
        /// To a participant: their withdrawal is recorded, with any fee it brings.
        Withdrawn = "withdrawn",
        /// To everyone holding a place: a session's time, venue or mode changed.
        SessionChanged = "session_changed",
        /// To everyone holding a place: a session was cancelled.
        SessionCancelled = "session_cancelled",
        /// To everyone enrolled: the work group was cancelled.
        WorkGroupCancelled = "work_group_cancelled",
        /// To a participant: their school owes a fee (a late withdrawal or a session missed).
        FeeCharged = "fee_charged",
        /// To a participant holding a place: a session is coming up. The one kind they may
        /// turn off.
        SessionReminder = "session_reminder",
        /// To a partner's people: a webhook endpoint of theirs kept failing and was disabled.
        WebhookDisabled = "webhook_disabled",
        /// To a person who asked: a link to set a new password, valid for an hour, once.
        PasswordReset = "password_reset",
        /// To a person an admin or hub manager invited: a link to choose their password.
        Invitation = "invitation",
    }
);

vocabulary!(
    /// Where a message stands.
    MessageStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// Handed to the mail server.
        Delivered = "delivered",
        /// Not sent, and never will be: the account was disabled, or the recipient turned
        /// reminders off.
        Suppressed = "suppressed",
        /// Every attempt failed; an admin may retry it.
        Dead = "dead",
    }
);

vocabulary!(
    /// Whether a webhook endpoint is handed events.
    EndpointStatus {
        /// Handed every event it asks for, as it happens.
        Active = "active",
        /// Paused by the partner: nothing is sent; on resuming, what happened meanwhile follows.
        Paused = "paused",
        /// Disabled by the service after failing for too long; resumed as a paused one is.
        Disabled = "disabled",
    }
);

vocabulary!(
    /// Where a webhook delivery stands.
    DeliveryStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Every attempt failed; the partner may ask for a redelivery.
        Dead = "dead",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_every_listed_value_and_round_trips() {
        for phase in SchoolPhase::ALL {
            assert_eq!(SchoolPhase::parse(phase.as_str()), Ok(*phase));
        }
    }

    #[test]
    fn parse_rejects_unknown_value_listing_the_allowed_ones() {
        let error = WorkGroupStatus::parse("booked").unwrap_err();
        assert!(error.0.contains("draft, open, full"), "{error}");
    }

    #[test]
    fn the_openapi_schema_lists_the_database_texts() {
        let schema =
            serde_json::to_value(<ProgrammePhase as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(
            schema["enum"],
            serde_json::json!(["early_years", "primary", "secondary", "post_16"])
        );
        assert_eq!(
            <ProgrammePhase as utoipa::ToSchema>::name(),
            "ProgrammePhase"
        );
    }

    #[test]
    fn serde_uses_the_database_text() {
        assert_eq!(
            serde_json::to_string(&LaKind::LondonBorough).unwrap(),
            "\"london_borough\""
        );
        assert_eq!(
            serde_json::to_string(&ProgrammePhase::Post16).unwrap(),
            "\"post_16\""
        );
        assert_eq!(
            serde_json::from_str::<ProgrammePhase>("\"post_16\"").unwrap(),
            ProgrammePhase::Post16
        );
    }

    #[test]
    fn districts_are_not_education_authorities() {
        assert!(!LaKind::District.is_education_authority());
        assert!(LaKind::County.is_education_authority());
    }
}
