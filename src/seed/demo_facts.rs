//! What the demo's loaders share (`demo`, `demo_offer`, `demo_accounts`): fixed ids, the
//! hubs' slugs, the venues, the leads, Twyford's URN, and the rows of work groups and
//! sessions they insert.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{sessions, work_group_leads, work_groups};
use crate::domain::{
    Admission, DeliveryMode, LeadRole, ProgrammePhase, SessionKind, SessionMode, WorkGroupStatus,
};

/// Fixed ids, shaped like UUIDv7 (version 7, RFC 9562 variant, a timestamp in October 2021),
/// so a second load finds the rows of the first. The high byte of `n` names the table.
pub(super) const fn demo_id(n: u16) -> Uuid {
    Uuid::from_u128(0x017c_e0d0_0000_7000_8000_0000_0000_0000 | n as u128)
}

pub(super) struct Venue {
    pub(super) name: &'static str,
    pub(super) address: &'static str,
    pub(super) postcode: Option<&'static str>,
}

pub(super) const TWYFORD: Venue = Venue {
    name: "Twyford Church of England High School",
    address: "Twyford Crescent, London",
    postcode: Some("W3 9PP"),
};

/// Document 002 does not say where GLOW's groups meet.
pub(super) const GLOW_VENUE: Venue = Venue {
    name: "GLOW Maths Hub venue (to be confirmed)",
    address: "Gloucestershire",
    postcode: None,
};

/// The documents do not say where London North East's groups meet: visibly a placeholder.
pub(super) const LNE_VENUE: Venue = Venue {
    name: "London North East Maths Hub venue (to be confirmed)",
    address: "Stratford, London",
    postcode: None,
};

pub(super) const LNE: &str = "london-north-east";
pub(super) const LCW: &str = "london-central-and-west";
pub(super) const GLOW: &str = "glow";
pub(super) const CHESHIRE: &str = "cheshire-and-wirral";

/// The URN the specification's examples give Twyford. Public sources (Wikipedia's infobox)
/// give 137546: check before relying on it as the school's real URN.
pub(super) const TWYFORD_URN: &str = "137083";

pub(super) struct LeadSeed {
    pub(super) id: Uuid,
    pub(super) email: &'static str,
    pub(super) name: &'static str,
    pub(super) hub: &'static str,
    pub(super) phases: &'static [ProgrammePhase],
    pub(super) specialisms: &'static [&'static str],
    pub(super) bio: &'static str,
    pub(super) roles_held: &'static [&'static str],
}

pub(super) const LEAD_LCW: &str = "lead.lcw@demo.mathshub.invalid";
pub(super) const LEAD_GLOW: &str = "lead.glow.post16@demo.mathshub.invalid";
pub(super) const LEAD_LNE: &str = "lead.lne@demo.mathshub.invalid";
pub(super) const LEAD_CHESHIRE: &str = "lead.cheshire@demo.mathshub.invalid";

/// Placeholder people: the roles are the documents', the names are not anyone's.
pub(super) const LEADS: &[LeadSeed] = &[
    LeadSeed {
        id: demo_id(0x0501),
        email: LEAD_LCW,
        name: "Demo Lead (LCW)",
        hub: LCW,
        phases: &[ProgrammePhase::Secondary],
        specialisms: &["subject_leadership"],
        bio: "Placeholder profile. A Work Group Lead for London Central and West Maths Hub, leading the \
Secondary Subject Leadership Work Group for secondary heads of department.",
        roles_held: &["Work Group Lead"],
    },
    LeadSeed {
        id: demo_id(0x0502),
        email: LEAD_GLOW,
        name: "Demo Lead (GLOW Post-16)",
        hub: GLOW,
        phases: &[
            ProgrammePhase::Primary,
            ProgrammePhase::Secondary,
            ProgrammePhase::Post16,
        ],
        specialisms: &["core_maths"],
        bio: "Placeholder profile. A practising maths teacher in Gloucestershire who oversees post-16 \
professional development for GLOW Maths Hub as Assistant Maths Hub Lead (Post 16) and leads Work Groups \
as an LLME, including Developing Core Maths Pedagogy.",
        // Document 002 names these roles.
        roles_held: &[
            "Work Group Lead",
            "Assistant Maths Hub Lead (Post 16)",
            "Core Maths Specialist Lead (AMSP)",
        ],
    },
    // Document 000: a member of the LNE LLME Community, leading LNE's groups of today.
    LeadSeed {
        id: demo_id(0x0503),
        email: LEAD_LNE,
        name: "Demo Lead (LNE)",
        hub: LNE,
        phases: &[],
        specialisms: &[],
        bio: "Placeholder profile. A member of the London North East Maths Hub LLME Community, a professional \
learning community drawing on expertise from across all phases.",
        roles_held: &[],
    },
    // Leads the demo's group of Cheshire and Wirral's partner schools (document 003).
    LeadSeed {
        id: demo_id(0x0504),
        email: LEAD_CHESHIRE,
        name: "Demo Lead (Cheshire and Wirral)",
        hub: CHESHIRE,
        phases: &[ProgrammePhase::Primary, ProgrammePhase::Secondary],
        specialisms: &[],
        bio: "Placeholder profile. A Work Group Lead for Cheshire and Wirral Maths Hub, working with the \
hub's partner schools on the continuity of maths from primary into secondary.",
        roles_held: &["Work Group Lead"],
    },
];

#[derive(Insertable)]
#[diesel(table_name = work_groups)]
pub(super) struct NewWorkGroup<'a> {
    pub(super) id: Uuid,
    pub(super) hub_id: Uuid,
    pub(super) project_id: Uuid,
    pub(super) academic_year: &'a str,
    pub(super) code: &'a str,
    pub(super) title: &'a str,
    pub(super) phase: ProgrammePhase,
    pub(super) mode: DeliveryMode,
    pub(super) capacity: Option<i32>,
    pub(super) accepted_count: i32,
    pub(super) admission: Admission,
    pub(super) eoi_deadline: Option<DateTime<Utc>>,
    pub(super) status: WorkGroupStatus,
    pub(super) cancellation_reason: Option<&'a str>,
    pub(super) venue_name: Option<&'a str>,
    pub(super) venue_address: Option<&'a str>,
    pub(super) venue_postcode: Option<&'a str>,
    pub(super) description: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = work_group_leads)]
pub(super) struct NewWorkGroupLead {
    pub(super) work_group_id: Uuid,
    pub(super) user_id: Uuid,
    pub(super) role: LeadRole,
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub(super) struct NewSession<'a> {
    pub(super) id: Uuid,
    pub(super) work_group_id: Uuid,
    pub(super) kind: SessionKind,
    pub(super) mode: SessionMode,
    pub(super) starts_at: DateTime<Utc>,
    pub(super) ends_at: DateTime<Utc>,
    pub(super) venue_name: Option<&'a str>,
    pub(super) venue_address: Option<&'a str>,
    pub(super) venue_postcode: Option<&'a str>,
    pub(super) joining_link: Option<&'a str>,
    pub(super) notes: Option<&'a str>,
}

/// The id a natural key resolved to; a missing one means a row was neither inserted nor found.
pub(super) fn id_of(ids: &HashMap<String, Uuid>, key: &str) -> QueryResult<Uuid> {
    ids.get(key).copied().ok_or(diesel::result::Error::NotFound)
}
