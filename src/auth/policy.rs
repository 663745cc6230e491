//! Who may do what to which object: the matrix of SPEC section 4, in one place. Handlers
//! authenticate with the `Caller` extractor, load the object's scope, and make one call to
//! `authorize`; they never test roles themselves.
//!
//! A refusal is 403 when the caller may know the object exists (public work groups, the
//! national reference data) and 404 when its existence is private to those allowed
//! (accounts, enrolments), so probing ids reveals nothing.
//!
//! Rights are judged before anything else a request holds (`http::write`). Where a right
//! depends on what the request names (the hub of a new work group or account, the hub of a
//! report), the role's right to the operation at all is judged first (`may_create_accounts`
//! and the like), then what it names: a hub that does not exist stands as `UNKNOWN_HUB`,
//! refused exactly as another hub would be to everyone but those whose reach is every hub.

use std::fmt;

use crate::auth::Caller;
use crate::db::users::AccountScope;
use crate::domain::Role;
use crate::domain::scope::{ReportScope, SchoolScope, WorkGroupScope};
use crate::error::ApiError;

/// An account as the rights see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountTarget {
    pub id: uuid::Uuid,
    pub role: Role,
    pub hub_id: Option<uuid::Uuid>,
}

/// An LLME profile as the rights see it: whose it is, and the hub of their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadProfileScope {
    pub user_id: uuid::Uuid,
    /// `None` once the account is no longer a hub's (its role changed): admins' only then.
    pub hub_id: Option<uuid::Uuid>,
}

/// An enrolment as the rights see it: whose it is, in which group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentScope {
    pub participant_id: uuid::Uuid,
    pub work_group: WorkGroupScope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    /// Create or change hubs, local authorities, Teaching School Hubs, schools, projects.
    ManageReferenceData,
    /// Create, rotate or revoke partner client credentials.
    ManagePartnerClients,
    /// Read the audit trail of every change.
    ReadAuditLog,
    /// See the messages sent to people and retry those that failed.
    ManageMessages,
    /// Export any person's personal data, or erase it.
    ManagePersonalData,
    /// Create an account with these role and hub.
    CreateAccount {
        role: Role,
        hub_id: Option<uuid::Uuid>,
    },
    /// Read, change or disable an existing account.
    ManageAccount(&'a AccountTarget),
    /// Give an account a role or hub, or disable it (besides what `ManageAccount` allows).
    ChangeAccess(&'a AccountTarget),
    /// Create a work group for a hub.
    CreateWorkGroup { hub_id: uuid::Uuid },
    /// Change a group's capacity, status, admission or leads.
    ManageWorkGroup(&'a WorkGroupScope),
    /// Change a group's description and sessions, and record attendance.
    EditWorkGroupDetails(&'a WorkGroupScope),
    /// Create the LLME profile of a lead, or change any of its fields.
    ManageLeadProfile(&'a LeadProfileScope),
    /// Change the bio of an LLME profile (its lead may, besides those who manage it).
    EditLeadBio(&'a LeadProfileScope),
    /// See a group's enrolments (personal data) and its joining links.
    SeeEnrolments(&'a WorkGroupScope),
    /// See the online joining links of a group's sessions: its staff, and participants
    /// holding a place in it.
    SeeJoiningLinks {
        group: &'a WorkGroupScope,
        holds_place: bool,
    },
    /// Accept, decline or move enrolments.
    DecideEnrolments(&'a WorkGroupScope),
    /// Express interest in a work group, for oneself.
    ExpressInterest,
    /// Withdraw one's own enrolment.
    ActOnOwnEnrolment(&'a EnrolmentScope),
    /// See one enrolment: its participant, or the group's staff.
    SeeEnrolment(&'a EnrolmentScope),
    /// List one's own enrolments.
    ListOwnEnrolments,
    /// Have a personal calendar feed: the sessions of the groups one leads or holds a place in.
    FollowOwnCalendar,
    /// Read the signposting feed of a Teaching School Hub's area.
    ReadSignposting { teaching_school_hub_id: uuid::Uuid },
    /// Read reach and fee reports.
    ReadReports(&'a ReportScope),
    /// Read the fee ledger of one hub, or of every hub (`None`). Unlike reports it names
    /// schools, participants and sums owed: a hub's money matters, not for leads or partners.
    ReadFees { hub_id: Option<uuid::Uuid> },
    /// Waive, or record the payment of, a fee that arose in a group of this hub.
    SettleFee { hub_id: uuid::Uuid },
    /// Read the schools of a hub's area that have not taken part: names a hub's prospects,
    /// for its managers and national admins.
    ReadSchoolsNotReached { hub_id: uuid::Uuid },
    /// Confirm participants as a school's contacts, or end a confirmation: national admins and
    /// the managers of the hub covering the school.
    ManageSchoolContacts(&'a SchoolScope),
    /// See who a school's contacts are: those who confirm them, and the contacts themselves.
    SeeSchoolContacts(&'a SchoolScope),
    /// See a school's places and fees in every hub's groups: its contacts and national
    /// admins.
    SeeSchoolParticipation(&'a SchoolScope),
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 403: the caller may know the object, but not do this.
    Forbidden(&'static str),
    /// 404: the object is private to those allowed.
    Hidden,
}

impl Refusal {
    /// The answer, naming `what` when it is hidden (e.g. "User 0193…").
    pub fn into_error(self, what: impl fmt::Display) -> ApiError {
        match self {
            Self::Forbidden(reason) => ApiError::Forbidden(reason.into()),
            Self::Hidden => ApiError::not_found(what),
        }
    }
}

/// Stands for a hub a request names that does not exist (or a slug that is not one). It is
/// nobody's own hub, so only callers whose reach is every hub may name it (and they alone are
/// then told it does not exist); everyone else gets the refusal another hub would get.
pub const UNKNOWN_HUB: uuid::Uuid = uuid::Uuid::nil();

/// Whether `caller` may create any account at all (admins, and hub managers for their own
/// hub's leads), before the request says which: refused as `CreateAccount` refuses.
pub fn may_create_accounts(caller: &Caller) -> Result<(), Refusal> {
    authorize(
        caller,
        &Action::CreateAccount {
            role: Role::Lead,
            hub_id: caller.hub_id,
        },
    )
}

/// Whether `caller` may create any work group at all (admins, and hub managers for their own
/// hub), before the request names the hub: refused as `CreateWorkGroup` refuses.
pub fn may_create_work_groups(caller: &Caller) -> Result<(), Refusal> {
    authorize(
        caller,
        &Action::CreateWorkGroup {
            hub_id: caller.hub_id.unwrap_or(UNKNOWN_HUB),
        },
    )
}

/// Whether `caller` may create any LLME profile at all (admins, and hub managers for their
/// own hub's leads), before the request names the lead: refused as `ManageLeadProfile`
/// refuses.
pub fn may_create_lead_profiles(caller: &Caller) -> Result<(), Refusal> {
    authorize(
        caller,
        &Action::ManageLeadProfile(&LeadProfileScope {
            user_id: caller.id,
            hub_id: caller.hub_id,
        }),
    )
}

/// Whether `caller` may read any fee ledger at all (admins, and hub managers their own hub's),
/// before the request names a hub: refused as `ReadFees` refuses.
pub fn may_read_fees(caller: &Caller) -> Result<(), Refusal> {
    authorize(
        caller,
        &Action::ReadFees {
            hub_id: caller.hub_id,
        },
    )
}

fn is_admin(caller: &Caller) -> bool {
    caller.role == Role::Admin
}

fn manages_hub(caller: &Caller, hub_id: uuid::Uuid) -> bool {
    caller.role == Role::HubManager && caller.hub_id == Some(hub_id)
}

fn leads_group(caller: &Caller, group: &WorkGroupScope) -> bool {
    caller.role == Role::Lead && group.lead_ids.contains(&caller.id)
}

/// Staff of a group: admins, the managers of its hub, its leads.
fn runs_group(caller: &Caller, group: &WorkGroupScope) -> bool {
    is_admin(caller) || manages_hub(caller, group.hub_id) || leads_group(caller, group)
}

fn allow(allowed: bool, refusal: Refusal) -> Result<(), Refusal> {
    if allowed { Ok(()) } else { Err(refusal) }
}

/// Whether `caller` may do `action`.
pub fn authorize(caller: &Caller, action: &Action<'_>) -> Result<(), Refusal> {
    use Refusal::{Forbidden, Hidden};
    match action {
        Action::ManageReferenceData => allow(
            is_admin(caller),
            Forbidden("Only national admins change the programme's reference data."),
        ),
        Action::ManagePartnerClients => allow(
            is_admin(caller),
            Forbidden("Only national admins manage partner credentials."),
        ),
        Action::ReadAuditLog => allow(
            is_admin(caller),
            Forbidden("Only national admins read the audit trail."),
        ),
        Action::ManageMessages => allow(
            is_admin(caller),
            Forbidden("Only national admins see the messages sent to people."),
        ),
        Action::ManagePersonalData => allow(
            is_admin(caller),
            Forbidden("Only national admins export or erase a person's data."),
        ),
        Action::CreateAccount { role, hub_id } => {
            let hub_manager_may =
                *role == Role::Lead && hub_id.is_some_and(|hub| manages_hub(caller, hub));
            allow(
                is_admin(caller) || hub_manager_may,
                Forbidden(
                    "Admins create accounts; hub managers create the leads of their own hub only.",
                ),
            )
        }
        Action::ManageAccount(target) => {
            allow(is_admin(caller) || manages_lead(caller, target), Hidden)
        }
        Action::ChangeAccess(target) => {
            authorize(caller, &Action::ManageAccount(target))?;
            allow(
                is_admin(caller),
                Forbidden("Only national admins change an account's role or hub."),
            )
        }
        Action::CreateWorkGroup { hub_id } => allow(
            is_admin(caller) || manages_hub(caller, *hub_id),
            Forbidden("Work groups are created by their hub's managers or national admins."),
        ),
        Action::ManageWorkGroup(group) => allow(
            is_admin(caller) || manages_hub(caller, group.hub_id),
            Forbidden(
                "Only the hub's managers and national admins change a group's capacity, status or leads.",
            ),
        ),
        Action::EditWorkGroupDetails(group) => allow(
            runs_group(caller, group),
            Forbidden("Only the group's leads, its hub's managers and national admins edit it."),
        ),
        // Profiles are public, so a refusal can say who may.
        Action::ManageLeadProfile(profile) => allow(
            is_admin(caller) || manages_profile(caller, profile),
            Forbidden(
                "Only the lead's hub managers and national admins create or change an LLME profile; leads edit their own bio.",
            ),
        ),
        Action::EditLeadBio(profile) => allow(
            is_admin(caller)
                || manages_profile(caller, profile)
                || (caller.role == Role::Lead && caller.id == profile.user_id),
            Forbidden(
                "Only the lead, their hub's managers and national admins edit an LLME profile's bio.",
            ),
        ),
        Action::SeeEnrolments(group) => allow(
            runs_group(caller, group),
            Forbidden(
                "Only the group's leads, its hub's managers and national admins see its enrolments.",
            ),
        ),
        Action::SeeJoiningLinks { group, holds_place } => allow(
            runs_group(caller, group) || (caller.role == Role::Participant && *holds_place),
            Forbidden(
                "Joining links are for the group's staff and the participants holding a place.",
            ),
        ),
        Action::DecideEnrolments(group) => allow(
            runs_group(caller, group),
            Forbidden(
                "Only the group's leads, its hub's managers and national admins decide enrolments.",
            ),
        ),
        Action::ExpressInterest => allow(
            caller.role == Role::Participant,
            Forbidden("Only participants (teachers) express interest in work groups."),
        ),
        Action::ActOnOwnEnrolment(enrolment) => allow(
            caller.role == Role::Participant && enrolment.participant_id == caller.id,
            Hidden,
        ),
        Action::SeeEnrolment(enrolment) => allow(
            (caller.role == Role::Participant && enrolment.participant_id == caller.id)
                || runs_group(caller, &enrolment.work_group),
            Hidden,
        ),
        Action::ListOwnEnrolments => allow(
            caller.role == Role::Participant,
            Forbidden("Only participants (teachers) have enrolments of their own."),
        ),
        Action::FollowOwnCalendar => allow(
            matches!(caller.role, Role::Participant | Role::Lead),
            Forbidden(
                "Personal calendar feeds are for participants (the groups they hold a place in) and leads (the groups they lead); anyone may follow a hub's or a work group's public feed.",
            ),
        ),
        Action::ReadSignposting {
            teaching_school_hub_id,
        } => allow(
            is_admin(caller)
                || (caller.role == Role::Partner
                    && caller.teaching_school_hub_id == Some(*teaching_school_hub_id)),
            Forbidden("The signposting feed is for the partner of that area and national admins."),
        ),
        Action::ReadReports(scope) => allow(
            may_read_report(caller, scope),
            Forbidden(
                "Reports are for national admins, hub managers (their hub), leads (their groups) and partners (their area, aggregated).",
            ),
        ),
        Action::ReadFees { hub_id } => allow(
            is_admin(caller) || hub_id.is_some_and(|hub| manages_hub(caller, hub)),
            Forbidden("The fee ledger is for national admins and hub managers (their own hub)."),
        ),
        // A fee names a school and a participant: private to those who may settle it.
        Action::SettleFee { hub_id } => {
            allow(is_admin(caller) || manages_hub(caller, *hub_id), Hidden)
        }
        Action::ReadSchoolsNotReached { hub_id } => allow(
            is_admin(caller) || manages_hub(caller, *hub_id),
            Forbidden(
                "The schools a hub has not reached are for national admins and its managers.",
            ),
        ),
        Action::ManageSchoolContacts(school) => allow(
            manages_school_contacts(caller, school),
            Forbidden(
                "A school's contacts are confirmed by national admins and the managers of the hub covering the school.",
            ),
        ),
        Action::SeeSchoolContacts(school) => allow(
            manages_school_contacts(caller, school) || speaks_for_school(caller, school),
            Forbidden(
                "A school's contacts are for themselves, national admins and the managers of the hub covering the school.",
            ),
        ),
        Action::SeeSchoolParticipation(school) => allow(
            is_admin(caller) || speaks_for_school(caller, school),
            Forbidden(
                "A school's places and fees are for its confirmed contacts and national admins.",
            ),
        ),
    }
}

fn manages_school_contacts(caller: &Caller, school: &SchoolScope) -> bool {
    is_admin(caller)
        || school
            .covering_hub_id
            .is_some_and(|hub| manages_hub(caller, hub))
}

/// A participant confirmed as one of the school's contacts.
fn speaks_for_school(caller: &Caller, school: &SchoolScope) -> bool {
    caller.role == Role::Participant && school.contact_ids.contains(&caller.id)
}

/// `authorize` for an action on a work group, public or not: refusals about a group that is
/// not public (a draft, or one abandoned before it opened) are hidden (404), since only
/// those who run it may know it exists.
pub fn authorize_on_group(
    caller: &Caller,
    action: &Action<'_>,
    is_public: bool,
) -> Result<(), Refusal> {
    authorize(caller, action).map_err(|refusal| if is_public { refusal } else { Refusal::Hidden })
}

fn manages_lead(caller: &Caller, target: &AccountTarget) -> bool {
    target.role == Role::Lead && target.hub_id.is_some_and(|hub| manages_hub(caller, hub))
}

fn manages_profile(caller: &Caller, profile: &LeadProfileScope) -> bool {
    profile.hub_id.is_some_and(|hub| manages_hub(caller, hub))
}

fn may_read_report(caller: &Caller, scope: &ReportScope) -> bool {
    match *scope {
        _ if is_admin(caller) => true,
        ReportScope::National => false,
        ReportScope::Hub(hub_id) => manages_hub(caller, hub_id),
        ReportScope::LedBy { lead_id, hub_id } => {
            caller.role == Role::Lead && caller.id == lead_id && caller.hub_id == Some(hub_id)
        }
        ReportScope::PartnerArea {
            teaching_school_hub_id,
            ..
        } => {
            caller.role == Role::Partner
                && caller.teaching_school_hub_id == Some(teaching_school_hub_id)
        }
    }
}

/// The report a caller reads when naming `hub` (or none): national admins every hub's, or
/// the one named; hub managers their own hub's; leads their own groups' in their hub;
/// partners their area's, aggregated, across every hub or the one named. Naming a hub beyond
/// that, or being a participant, is refused with 403 (hubs are public).
pub fn report_scope(caller: &Caller, hub: Option<uuid::Uuid>) -> Result<ReportScope, Refusal> {
    let own_hub = hub.or(caller.hub_id);
    let scope = match (caller.role, own_hub, caller.teaching_school_hub_id) {
        (Role::Admin, _, _) => hub.map_or(ReportScope::National, ReportScope::Hub),
        (Role::HubManager, Some(hub_id), _) => ReportScope::Hub(hub_id),
        (Role::Lead, Some(hub_id), _) => ReportScope::LedBy {
            lead_id: caller.id,
            hub_id,
        },
        (Role::Partner, _, Some(teaching_school_hub_id)) => ReportScope::PartnerArea {
            teaching_school_hub_id,
            hub_id: hub,
        },
        // Nobody else reads a report: asked for the national one, they are refused below.
        _ => ReportScope::National,
    };
    authorize(caller, &Action::ReadReports(&scope))?;
    Ok(scope)
}

/// The accounts a caller may list: all for admins, their hub's leads for hub managers.
pub fn visible_accounts(caller: &Caller) -> Result<AccountScope, Refusal> {
    match (caller.role, caller.hub_id) {
        (Role::Admin, _) => Ok(AccountScope::Everyone),
        (Role::HubManager, Some(hub_id)) => Ok(AccountScope::LeadsOf(hub_id)),
        _ => Err(Refusal::Forbidden(
            "Only national admins and hub managers (for their leads) list accounts.",
        )),
    }
}

/// The Teaching School Hub whose area a partner's own feeds (`/partners/me/…`) cover: its
/// own; every other caller is refused, admins included (they name the hub instead).
pub fn own_area(caller: &Caller) -> Result<uuid::Uuid, Refusal> {
    match (caller.role, caller.teaching_school_hub_id) {
        (Role::Partner, Some(teaching_school_hub_id)) => Ok(teaching_school_hub_id),
        _ => Err(Refusal::Forbidden(
            "Only partner Teaching School Hubs have feeds of their own area; admins read any area's under /teaching-school-hubs/{slug}.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::CallerKind;

    const HUB: uuid::Uuid = uuid::Uuid::from_u128(1);
    const OTHER_HUB: uuid::Uuid = uuid::Uuid::from_u128(2);
    const TSH: uuid::Uuid = uuid::Uuid::from_u128(3);
    const OTHER_TSH: uuid::Uuid = uuid::Uuid::from_u128(4);

    fn caller(role: Role, id: u128) -> Caller {
        Caller {
            id: uuid::Uuid::from_u128(id),
            role,
            hub_id: matches!(role, Role::HubManager | Role::Lead).then_some(HUB),
            teaching_school_hub_id: (role == Role::Partner).then_some(TSH),
            kind: CallerKind::User,
            session: None,
        }
    }

    /// One caller of each role; the lead (id 30) leads `group()`, the participant is id 40.
    fn everyone() -> [Caller; 5] {
        [
            caller(Role::Admin, 10),
            caller(Role::HubManager, 20),
            caller(Role::Lead, 30),
            caller(Role::Participant, 40),
            caller(Role::Partner, 50),
        ]
    }

    fn group() -> WorkGroupScope {
        WorkGroupScope {
            hub_id: HUB,
            lead_ids: vec![uuid::Uuid::from_u128(30)],
        }
    }

    /// The roles (in `everyone()` order) allowed `action`.
    fn allowed(action: &Action<'_>) -> Vec<Role> {
        everyone()
            .iter()
            .filter(|caller| authorize(caller, action).is_ok())
            .map(|caller| caller.role)
            .collect()
    }

    use Role::{Admin, HubManager, Lead, Participant, Partner};

    #[test]
    fn reference_data_and_partner_credentials_are_for_admins() {
        assert_eq!(allowed(&Action::ManageReferenceData), [Admin]);
        assert_eq!(allowed(&Action::ManagePartnerClients), [Admin]);
        assert_eq!(allowed(&Action::ReadAuditLog), [Admin]);
    }

    #[test]
    fn hub_managers_create_leads_of_their_own_hub_only() {
        let lead_here = Action::CreateAccount {
            role: Lead,
            hub_id: Some(HUB),
        };
        assert_eq!(allowed(&lead_here), [Admin, HubManager]);
        let lead_elsewhere = Action::CreateAccount {
            role: Lead,
            hub_id: Some(OTHER_HUB),
        };
        assert_eq!(allowed(&lead_elsewhere), [Admin]);
        let manager_here = Action::CreateAccount {
            role: HubManager,
            hub_id: Some(HUB),
        };
        assert_eq!(allowed(&manager_here), [Admin]);
        assert_eq!(
            allowed(&Action::CreateAccount {
                role: Participant,
                hub_id: None
            }),
            [Admin]
        );
    }

    #[test]
    fn accounts_outside_reach_are_hidden_and_access_is_for_admins() {
        let lead_here = AccountTarget {
            id: uuid::Uuid::from_u128(99),
            role: Lead,
            hub_id: Some(HUB),
        };
        assert_eq!(
            allowed(&Action::ManageAccount(&lead_here)),
            [Admin, HubManager]
        );
        assert_eq!(allowed(&Action::ChangeAccess(&lead_here)), [Admin]);
        assert_eq!(
            authorize(&caller(HubManager, 20), &Action::ChangeAccess(&lead_here)),
            Err(Refusal::Forbidden(
                "Only national admins change an account's role or hub."
            ))
        );
        let lead_elsewhere = AccountTarget {
            hub_id: Some(OTHER_HUB),
            ..lead_here
        };
        assert_eq!(allowed(&Action::ManageAccount(&lead_elsewhere)), [Admin]);
        assert_eq!(
            authorize(
                &caller(HubManager, 20),
                &Action::ManageAccount(&lead_elsewhere)
            ),
            Err(Refusal::Hidden)
        );
        let manager_here = AccountTarget {
            role: HubManager,
            ..lead_here
        };
        assert_eq!(allowed(&Action::ManageAccount(&manager_here)), [Admin]);
    }

    #[test]
    fn work_groups_are_created_and_managed_by_their_hub_and_admins() {
        assert_eq!(
            allowed(&Action::CreateWorkGroup { hub_id: HUB }),
            [Admin, HubManager]
        );
        assert_eq!(
            allowed(&Action::CreateWorkGroup { hub_id: OTHER_HUB }),
            [Admin]
        );
        assert_eq!(
            allowed(&Action::ManageWorkGroup(&group())),
            [Admin, HubManager]
        );
    }

    #[test]
    fn leads_edit_see_and_decide_for_their_own_groups_only() {
        let mine = group();
        for action in [
            Action::EditWorkGroupDetails(&mine),
            Action::SeeEnrolments(&mine),
            Action::DecideEnrolments(&mine),
        ] {
            assert_eq!(allowed(&action), [Admin, HubManager, Lead], "{action:?}");
        }
        let someone_elses = WorkGroupScope {
            hub_id: HUB,
            lead_ids: vec![uuid::Uuid::from_u128(31)],
        };
        assert_eq!(
            allowed(&Action::EditWorkGroupDetails(&someone_elses)),
            [Admin, HubManager]
        );
        let other_hub = WorkGroupScope {
            hub_id: OTHER_HUB,
            lead_ids: vec![],
        };
        assert_eq!(allowed(&Action::SeeEnrolments(&other_hub)), [Admin]);
    }

    #[test]
    fn llme_profiles_are_managed_by_their_hub_and_admins_and_bios_edited_by_their_lead_too() {
        let own = LeadProfileScope {
            user_id: uuid::Uuid::from_u128(30),
            hub_id: Some(HUB),
        };
        assert_eq!(
            allowed(&Action::ManageLeadProfile(&own)),
            [Admin, HubManager]
        );
        assert_eq!(
            allowed(&Action::EditLeadBio(&own)),
            [Admin, HubManager, Lead]
        );
        let colleague = LeadProfileScope {
            user_id: uuid::Uuid::from_u128(31),
            ..own
        };
        assert_eq!(
            allowed(&Action::EditLeadBio(&colleague)),
            [Admin, HubManager]
        );
        let other_hub = LeadProfileScope {
            hub_id: Some(OTHER_HUB),
            ..colleague
        };
        assert_eq!(allowed(&Action::ManageLeadProfile(&other_hub)), [Admin]);
        assert_eq!(allowed(&Action::EditLeadBio(&other_hub)), [Admin]);
        let no_longer_a_hub_s = LeadProfileScope {
            hub_id: None,
            ..own
        };
        assert_eq!(
            allowed(&Action::ManageLeadProfile(&no_longer_a_hub_s)),
            [Admin]
        );
        assert!(matches!(
            authorize(&caller(Lead, 30), &Action::ManageLeadProfile(&own)),
            Err(Refusal::Forbidden(reason)) if reason.contains("leads edit their own bio")
        ));
    }

    #[test]
    fn joining_links_are_for_the_group_s_staff_and_participants_holding_a_place() {
        let mine = group();
        let see = |holds_place| {
            allowed(&Action::SeeJoiningLinks {
                group: &mine,
                holds_place,
            })
        };
        assert_eq!(see(false), [Admin, HubManager, Lead]);
        assert_eq!(see(true), [Admin, HubManager, Lead, Participant]);
        let other_hub = WorkGroupScope {
            hub_id: OTHER_HUB,
            lead_ids: vec![],
        };
        assert_eq!(
            allowed(&Action::SeeJoiningLinks {
                group: &other_hub,
                holds_place: false
            }),
            [Admin]
        );
    }

    #[test]
    fn participants_express_interest_and_act_on_their_own_enrolments_only() {
        assert_eq!(allowed(&Action::ExpressInterest), [Participant]);
        assert_eq!(allowed(&Action::ListOwnEnrolments), [Participant]);
        let own = EnrolmentScope {
            participant_id: uuid::Uuid::from_u128(40),
            work_group: group(),
        };
        assert_eq!(allowed(&Action::ActOnOwnEnrolment(&own)), [Participant]);
        let someone_elses = EnrolmentScope {
            participant_id: uuid::Uuid::from_u128(41),
            ..own.clone()
        };
        assert!(allowed(&Action::ActOnOwnEnrolment(&someone_elses)).is_empty());
        assert_eq!(
            allowed(&Action::SeeEnrolment(&own)),
            [Admin, HubManager, Lead, Participant]
        );
        assert_eq!(
            allowed(&Action::SeeEnrolment(&someone_elses)),
            [Admin, HubManager, Lead]
        );
        let elsewhere = EnrolmentScope {
            work_group: WorkGroupScope {
                hub_id: OTHER_HUB,
                lead_ids: vec![],
            },
            ..someone_elses.clone()
        };
        assert_eq!(allowed(&Action::SeeEnrolment(&elsewhere)), [Admin]);
        assert_eq!(
            authorize(
                &caller(Participant, 40),
                &Action::ActOnOwnEnrolment(&someone_elses)
            ),
            Err(Refusal::Hidden)
        );
    }

    #[test]
    fn personal_calendars_are_for_participants_and_leads() {
        assert_eq!(allowed(&Action::FollowOwnCalendar), [Lead, Participant]);
    }

    #[test]
    fn signposting_is_for_the_partner_of_the_area_and_admins() {
        assert_eq!(
            allowed(&Action::ReadSignposting {
                teaching_school_hub_id: TSH
            }),
            [Admin, Partner]
        );
        assert_eq!(
            allowed(&Action::ReadSignposting {
                teaching_school_hub_id: OTHER_TSH
            }),
            [Admin]
        );
    }

    #[test]
    fn only_partners_have_an_area_of_their_own() {
        let with_area: Vec<Role> = everyone()
            .iter()
            .filter(|caller| own_area(caller) == Ok(TSH))
            .map(|caller| caller.role)
            .collect();
        assert_eq!(with_area, [Partner]);
        let unattached = Caller {
            teaching_school_hub_id: None,
            ..caller(Partner, 51)
        };
        assert!(own_area(&unattached).is_err());
    }

    #[test]
    fn reports_follow_each_role_s_reach() {
        let report = |scope: ReportScope| allowed(&Action::ReadReports(&scope));
        assert_eq!(report(ReportScope::National), [Admin]);
        assert_eq!(report(ReportScope::Hub(HUB)), [Admin, HubManager]);
        assert_eq!(report(ReportScope::Hub(OTHER_HUB)), [Admin]);
        let led_by = |lead: u128, hub_id| ReportScope::LedBy {
            lead_id: uuid::Uuid::from_u128(lead),
            hub_id,
        };
        assert_eq!(report(led_by(30, HUB)), [Admin, Lead]);
        assert_eq!(report(led_by(31, HUB)), [Admin]);
        assert_eq!(report(led_by(30, OTHER_HUB)), [Admin]);
        let area = |teaching_school_hub_id, hub_id| ReportScope::PartnerArea {
            teaching_school_hub_id,
            hub_id,
        };
        assert_eq!(report(area(TSH, None)), [Admin, Partner]);
        assert_eq!(report(area(TSH, Some(OTHER_HUB))), [Admin, Partner]);
        assert_eq!(report(area(OTHER_TSH, None)), [Admin]);
    }

    #[test]
    fn each_role_reads_the_report_of_its_own_reach_and_naming_another_hub_is_refused() {
        let scopes = |hub| {
            everyone()
                .iter()
                .map(|caller| report_scope(caller, hub).ok())
                .collect::<Vec<_>>()
        };
        let lead = ReportScope::LedBy {
            lead_id: uuid::Uuid::from_u128(30),
            hub_id: HUB,
        };
        let area = |hub_id| ReportScope::PartnerArea {
            teaching_school_hub_id: TSH,
            hub_id,
        };
        assert_eq!(
            scopes(None),
            [
                Some(ReportScope::National),
                Some(ReportScope::Hub(HUB)),
                Some(lead),
                None,
                Some(area(None)),
            ]
        );
        assert_eq!(
            scopes(Some(HUB)),
            [
                Some(ReportScope::Hub(HUB)),
                Some(ReportScope::Hub(HUB)),
                Some(lead),
                None,
                Some(area(Some(HUB))),
            ]
        );
        assert_eq!(
            scopes(Some(OTHER_HUB)),
            [
                Some(ReportScope::Hub(OTHER_HUB)),
                None,
                None,
                None,
                Some(area(Some(OTHER_HUB))),
            ]
        );
        assert!(matches!(
            report_scope(&caller(HubManager, 20), Some(OTHER_HUB)),
            Err(Refusal::Forbidden(_))
        ));
    }

    #[test]
    fn the_fee_ledger_is_read_and_settled_by_admins_and_each_hub_s_managers() {
        let read = |hub_id| allowed(&Action::ReadFees { hub_id });
        assert_eq!(read(None), [Admin]);
        assert_eq!(read(Some(HUB)), [Admin, HubManager]);
        assert_eq!(read(Some(OTHER_HUB)), [Admin]);
        assert_eq!(
            allowed(&Action::SettleFee { hub_id: HUB }),
            [Admin, HubManager]
        );
        assert_eq!(allowed(&Action::SettleFee { hub_id: OTHER_HUB }), [Admin]);
        let not_reached = |hub_id| allowed(&Action::ReadSchoolsNotReached { hub_id });
        assert_eq!(not_reached(HUB), [Admin, HubManager]);
        assert_eq!(not_reached(OTHER_HUB), [Admin]);
        assert_eq!(
            authorize(&caller(Lead, 30), &Action::SettleFee { hub_id: HUB }),
            Err(Refusal::Hidden)
        );
    }

    #[test]
    fn a_school_s_contacts_are_confirmed_by_its_covering_hub_and_see_its_places_and_fees() {
        let school = |covering_hub_id, contact_ids: &[u128]| SchoolScope {
            covering_hub_id,
            contact_ids: contact_ids
                .iter()
                .copied()
                .map(uuid::Uuid::from_u128)
                .collect(),
        };
        let covered_contact = school(Some(HUB), &[40]);
        let elsewhere = school(Some(OTHER_HUB), &[41]);
        let uncovered = school(None, &[]);
        let manage = |scope| allowed(&Action::ManageSchoolContacts(scope));
        assert_eq!(manage(&covered_contact), [Admin, HubManager]);
        assert_eq!(manage(&elsewhere), [Admin]);
        assert_eq!(manage(&uncovered), [Admin]);
        let see = |scope| allowed(&Action::SeeSchoolContacts(scope));
        assert_eq!(see(&covered_contact), [Admin, HubManager, Participant]);
        assert_eq!(see(&elsewhere), [Admin]);
        let participation = |scope| allowed(&Action::SeeSchoolParticipation(scope));
        assert_eq!(participation(&covered_contact), [Admin, Participant]);
        assert_eq!(participation(&elsewhere), [Admin]);
        // Another role holding a contact's id is not a contact.
        let lead_listed = school(Some(HUB), &[30]);
        assert_eq!(participation(&lead_listed), [Admin]);
    }

    /// The roles (in `everyone()` order) `check` allows.
    fn allowed_by(check: fn(&Caller) -> Result<(), Refusal>) -> Vec<Role> {
        everyone()
            .iter()
            .filter(|caller| check(caller).is_ok())
            .map(|caller| caller.role)
            .collect()
    }

    #[test]
    fn operations_whose_rights_depend_on_what_they_name_are_first_refused_by_role() {
        assert_eq!(allowed_by(may_create_accounts), [Admin, HubManager]);
        assert_eq!(allowed_by(may_create_work_groups), [Admin, HubManager]);
        assert_eq!(allowed_by(may_create_lead_profiles), [Admin, HubManager]);
        assert_eq!(allowed_by(may_read_fees), [Admin, HubManager]);
    }

    #[test]
    fn an_unknown_hub_is_refused_as_another_hub_is_except_to_those_who_reach_every_hub() {
        let unknown = Some(UNKNOWN_HUB);
        let other = Some(OTHER_HUB);
        for hub_id in [unknown, other] {
            let group = Action::CreateWorkGroup {
                hub_id: hub_id.unwrap(),
            };
            assert_eq!(allowed(&group), [Admin]);
            let lead = Action::CreateAccount { role: Lead, hub_id };
            assert_eq!(allowed(&lead), [Admin]);
            assert_eq!(allowed(&Action::ReadFees { hub_id }), [Admin]);
        }
        let manager = caller(HubManager, 20);
        assert_eq!(
            authorize(
                &manager,
                &Action::CreateWorkGroup {
                    hub_id: UNKNOWN_HUB
                }
            ),
            authorize(&manager, &Action::CreateWorkGroup { hub_id: OTHER_HUB }),
        );
        let report = |hub| {
            everyone()
                .iter()
                .map(|caller| report_scope(caller, Some(hub)).is_ok())
                .collect::<Vec<_>>()
        };
        assert_eq!(report(UNKNOWN_HUB), report(OTHER_HUB));
    }

    #[test]
    fn accounts_are_listed_by_admins_and_hub_managers_for_their_leads() {
        let scopes: Vec<_> = everyone()
            .iter()
            .map(|caller| visible_accounts(caller).ok())
            .collect();
        assert_eq!(
            scopes,
            [
                Some(AccountScope::Everyone),
                Some(AccountScope::LeadsOf(HUB)),
                None,
                None,
                None
            ]
        );
    }
}
