//! Validated domain types: the vocabulary of the programme and the identifiers of its
//! objects. Handlers parse raw input into these once and pass nothing unchecked on.

mod account;
mod codes;
pub mod eligibility;
pub mod enrolment;
mod eoi_link;
pub mod feed_window;
pub mod fees;
pub mod gias;
pub mod lifecycle;
pub mod llme;
pub mod notice;
pub mod participation;
pub mod pathway;
pub mod personal_data;
pub mod place;
mod project_code;
mod quantities;
pub mod reach;
pub mod retention;
pub mod retry;
pub mod schema;
pub mod school;
pub mod scope;
mod secret;
pub mod senior_leader;
pub mod session_times;
mod text;
mod time;
mod vocabulary;
pub mod webhook;

pub use account::{Email, NewPassword};
pub use codes::{
    AcademicYear, GroupCode, GssCode, HttpsLink, LaNumber, Postcode, ProgrammeYear, Region, Slug,
    Urn, WebAddress,
};
pub use eoi_link::{DEFAULT_EOI_URL_TEMPLATE, EoiUrlTemplate};
pub use project_code::ProjectCode;
pub use quantities::{Capacity, NoticeDays, Pence, Percent, SessionDays, YearsSpan};
pub use secret::{ClientCredentialsGrant, CredentialText, Secret};
pub use text::{BoundedText, NonBlank, TEXT_PATTERN};
pub use time::{LondonTime, MAX_INSTANT_CHARS, Timestamp, parse_instant};
pub use vocabulary::{
    Admission, AttendanceStatus, ChangeKind, DeliveryMode, DeliveryStatus, EndpointStatus,
    EnrolmentStatus, FeeReason, FeeStatus, LaKind, LeadRole, MessageStatus, NoticeKind,
    Partnership, ProgrammePhase, ProjectKind, Role, RoleInSchool, SchoolPhase, SchoolStatus,
    SessionKind, SessionMode, SessionStatus, StrategicPartnerKind, WorkGroupStatus,
};

/// Why a piece of input was refused, in words a caller can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
