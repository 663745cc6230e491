//! What a subject access request is answered with: everything the service holds about one
//! person, in one document. The database assembles it (`db::subject_access`); these types
//! are its shape, for the reader and the OpenAPI document alike. Other people appear only
//! as the ids of records the person made, never by name.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    AttendanceStatus, EnrolmentStatus, FeeReason, FeeStatus, LeadRole, LondonTime, MessageStatus,
    NoticeKind, ProgrammePhase, Role, RoleInSchool,
};
use crate::domain::senior_leader::SeniorLeaderAgreement;

/// Everything the service holds about one person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalData {
    pub generated_at: LondonTime,
    pub account: HeldAccount,
    /// A Local Leader of Maths Education's public profile.
    pub lead_profile: Option<HeldLeadProfile>,
    pub work_groups_led: Vec<HeldLeading>,
    /// Every enrolment, oldest first, with what happened to it, its attendance and its fees.
    pub enrolments: Vec<HeldEnrolment>,
    /// The messages written to the person (their text is made from these facts when sent).
    pub messages: Vec<HeldMessage>,
    /// Each sign-in's refresh tokens.
    pub sign_ins: Vec<HeldSignIn>,
    /// Links sent to set a password: resets asked for and invitations.
    pub password_links: Vec<HeldPasswordLink>,
    pub partner_credentials_created: Vec<HeldPartnerCredential>,
    /// Records the person made about other people's enrolments, by id.
    pub records_made: HeldRecords,
    /// Audit entries about the account, and every change the person made.
    pub audit: Vec<HeldAuditEntry>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldAccount {
    pub id: uuid::Uuid,
    #[schema(example = "alex.teacher@school.example")]
    pub email: String,
    #[schema(example = "Alex Teacher")]
    pub name: String,
    pub role: Role,
    pub hub: Option<HeldOrganisation>,
    pub school: Option<HeldSchool>,
    pub role_in_school: Option<RoleInSchool>,
    /// Since when the person is confirmed as one of their school's contacts, if they are.
    pub school_contact_since: Option<LondonTime>,
    pub teaching_school_hub: Option<HeldOrganisation>,
    pub session_reminders: bool,
    pub disabled_at: Option<LondonTime>,
    pub erased_at: Option<LondonTime>,
    pub created_at: LondonTime,
    pub updated_at: LondonTime,
}

/// A Maths Hub or Teaching School Hub.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldOrganisation {
    pub id: uuid::Uuid,
    #[schema(example = "london-central-and-west")]
    pub slug: String,
    #[schema(example = "London Central and West Maths Hub")]
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldSchool {
    #[schema(example = "137083")]
    pub urn: String,
    #[schema(example = "Twyford Church of England High School")]
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldWorkGroup {
    pub id: uuid::Uuid,
    #[schema(example = "LCW21-15-01")]
    pub code: String,
    #[schema(example = "Secondary Subject Leadership")]
    pub title: String,
    #[schema(example = "London Central and West Maths Hub")]
    pub hub: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldLeadProfile {
    pub display_name: String,
    pub phases: Vec<ProgrammePhase>,
    pub specialisms: Vec<String>,
    pub roles_held: Vec<String>,
    pub bio: String,
    pub community_member: bool,
    pub community_member_since: Option<i16>,
    pub published: bool,
    pub hubs: Vec<HeldOrganisation>,
    pub created_at: LondonTime,
    pub updated_at: LondonTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldLeading {
    pub work_group: HeldWorkGroup,
    pub role: LeadRole,
    pub since: LondonTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldEnrolment {
    pub id: uuid::Uuid,
    pub work_group: HeldWorkGroup,
    pub school: HeldSchool,
    pub role_in_school: RoleInSchool,
    /// What the person wrote with their expression of interest.
    pub statement: String,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i32>,
    /// The reason given for the latest decision.
    pub status_reason: Option<String>,
    /// The Teaching School Hub that signposted the person to the group.
    pub referred_by: Option<String>,
    /// Who at the school agreed to release the person for the group's sessions.
    pub senior_leader_agreement: Option<SeniorLeaderAgreement>,
    pub accepted_at: Option<LondonTime>,
    pub withdrawn_at: Option<LondonTime>,
    pub created_at: LondonTime,
    pub updated_at: LondonTime,
    /// Every recorded change, oldest first.
    pub history: Vec<HeldChange>,
    pub attendance: Vec<HeldAttendance>,
    pub fees: Vec<HeldFee>,
}

/// A change the audit trail recorded about one of the person's own records.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldChange {
    pub occurred_at: LondonTime,
    #[schema(example = "enrolment.accepted")]
    pub action: String,
    /// Whether the person made it themselves (staff are not named).
    pub by_you: bool,
    pub details: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldAttendance {
    pub session_id: uuid::Uuid,
    pub session_starts_at: LondonTime,
    pub status: AttendanceStatus,
    pub apologies_at: Option<LondonTime>,
    pub recorded_at: LondonTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldFee {
    pub id: uuid::Uuid,
    pub session_id: uuid::Uuid,
    pub reason: FeeReason,
    pub amount_pence: i32,
    #[schema(example = "GBP")]
    pub currency: String,
    pub status: FeeStatus,
    pub waived_at: Option<LondonTime>,
    pub waiver_reason: Option<String>,
    pub paid_at: Option<LondonTime>,
    pub payment_reference: Option<String>,
    pub voided_at: Option<LondonTime>,
    pub created_at: LondonTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldMessage {
    pub id: uuid::Uuid,
    pub kind: NoticeKind,
    pub status: MessageStatus,
    pub attempts: i32,
    /// What the message told, besides the person's own name and address.
    pub facts: serde_json::Value,
    pub created_at: LondonTime,
    pub finished_at: Option<LondonTime>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldSignIn {
    pub id: uuid::Uuid,
    /// The sign-in this token belongs to: each refresh replaces the token within it.
    pub session: uuid::Uuid,
    pub issued_at: LondonTime,
    pub expires_at: LondonTime,
    pub used_at: Option<LondonTime>,
    pub revoked_at: Option<LondonTime>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldPasswordLink {
    pub id: uuid::Uuid,
    #[schema(example = "password_reset")]
    pub purpose: String,
    pub created_at: LondonTime,
    pub expires_at: LondonTime,
    pub used_at: Option<LondonTime>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldPartnerCredential {
    pub id: uuid::Uuid,
    pub client_id: String,
    pub name: String,
    pub created_at: LondonTime,
    pub revoked_at: Option<LondonTime>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldRecords {
    pub enrolments_decided: Vec<uuid::Uuid>,
    pub attendance_recorded: Vec<HeldMark>,
    pub fees_waived: Vec<uuid::Uuid>,
}

/// One attendance mark: a session, and the enrolment it was recorded for.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldMark {
    pub session_id: uuid::Uuid,
    pub enrolment_id: uuid::Uuid,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldAuditEntry {
    pub id: i64,
    pub occurred_at: LondonTime,
    #[schema(example = "user.updated")]
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub by_you: bool,
    /// The entry's details when it is about the account itself; changes the person made to
    /// other records say only what was done (their details are other people's).
    pub details: Option<serde_json::Value>,
}
