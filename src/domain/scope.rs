//! What the rights are judged on (`auth::policy`), and what the queries that serve a
//! caller's reach are given: plain facts about a work group and a school, and what a report
//! covers.

/// A work group as the rights see it: its hub and its leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkGroupScope {
    pub hub_id: uuid::Uuid,
    pub lead_ids: Vec<uuid::Uuid>,
}

/// A school as the rights see it: the hub covering its authority now, and the participants
/// confirmed as its contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolScope {
    pub covering_hub_id: Option<uuid::Uuid>,
    pub contact_ids: Vec<uuid::Uuid>,
}

/// What a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportScope {
    /// Every hub.
    National,
    Hub(uuid::Uuid),
    /// The work groups of a hub that one lead leads.
    LedBy {
        lead_id: uuid::Uuid,
        hub_id: uuid::Uuid,
    },
    /// The schools of a Teaching School Hub's area, aggregated (no school or person named),
    /// in every hub's work groups or one hub's.
    PartnerArea {
        teaching_school_hub_id: uuid::Uuid,
        hub_id: Option<uuid::Uuid>,
    },
}
