//! Small views other resources embed: references to a hub, project, authority, Teaching
//! School Hub, work group, school or participant by their key and name, and a venue.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubRef {
    #[schema(example = "london-central-and-west")]
    pub slug: String,
    #[schema(example = "London Central and West Maths Hub")]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LocalAuthorityRef {
    #[schema(example = "E09000009")]
    pub gss_code: String,
    #[schema(example = "Ealing")]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectRef {
    #[schema(example = "NCP21-15")]
    pub code: String,
    #[schema(example = "Secondary Subject Leadership")]
    pub title: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeachingSchoolHubRef {
    #[schema(example = "london-district-east")]
    pub slug: String,
    #[schema(example = "London District East Teaching School Hub")]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkGroupRef {
    pub id: uuid::Uuid,
    #[schema(example = "LCW21-15-01")]
    pub code: String,
    #[schema(example = "Secondary Subject Leadership")]
    pub title: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolRef {
    #[schema(example = "137083")]
    pub urn: String,
    #[schema(example = "Twyford Church of England High School")]
    pub name: String,
}

/// A participant by name, for the staff of their group (personal data).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantRef {
    pub id: uuid::Uuid,
    #[schema(example = "Demo Teacher (Twyford)")]
    pub name: String,
}

/// Where a group or session meets in person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Venue {
    #[schema(example = "Twyford Church of England High School")]
    pub name: Option<String>,
    #[schema(example = "Twyford Crescent, London")]
    pub address: Option<String>,
    #[schema(example = "W3 9PP")]
    pub postcode: Option<String>,
}

impl Venue {
    /// `None` when no part of the venue is known.
    pub fn from_parts(
        name: Option<String>,
        address: Option<String>,
        postcode: Option<String>,
    ) -> Option<Self> {
        (name.is_some() || address.is_some() || postcode.is_some()).then_some(Self {
            name,
            address,
            postcode,
        })
    }
}

/// Pairs an optional key with an optional name into a reference, when both are present.
pub fn reference<T>(
    key: Option<String>,
    name: Option<String>,
    make: impl FnOnce(String, String) -> T,
) -> Option<T> {
    Some(make(key?, name?))
}
