//! The rules of what an account is attached to: a hub for hub managers and leads, a school
//! and a role in it for participants, a Teaching School Hub for partners, nothing for
//! admins; and resolving the natural keys a request or the command line names them by.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use crate::db::lookups;
use crate::db::users::AccountFields;
use crate::domain::{Role, RoleInSchool, SchoolStatus, Slug, Urn};
use crate::error::{ApiError, FieldError};

/// What an account is attached to; which are needed follows its role.
pub struct Attachments {
    pub hub_id: Option<uuid::Uuid>,
    pub school_urn: Option<String>,
    pub role_in_school: Option<RoleInSchool>,
    pub teaching_school_hub_id: Option<uuid::Uuid>,
}

impl Attachments {
    /// What a new account of `role` is attached to: its hub (already resolved), and the school
    /// and Teaching School Hub named, resolved; refused unless they fit the role.
    pub async fn of_new_account(
        conn: &mut AsyncPgConnection,
        role: Role,
        hub_id: Option<uuid::Uuid>,
        school: Option<&Urn>,
        role_in_school: Option<RoleInSchool>,
        teaching_school_hub: Option<&Slug>,
    ) -> Result<Self, ApiError> {
        let attachments = Self {
            hub_id,
            school_urn: match school {
                Some(urn) => Some(resolve_school(conn, urn).await?),
                None => None,
            },
            role_in_school,
            teaching_school_hub_id: match teaching_school_hub {
                Some(slug) => Some(resolve_tsh(conn, slug).await?),
                None => None,
            },
        };
        attachments.check_fit(role)?;
        Ok(attachments)
    }

    /// The fields of an account of `role` attached to these.
    pub fn into_fields(
        self,
        email: String,
        name: String,
        role: Role,
        disabled_at: Option<DateTime<Utc>>,
    ) -> AccountFields {
        AccountFields {
            email,
            name,
            role,
            hub_id: self.hub_id,
            teaching_school_hub_id: self.teaching_school_hub_id,
            school_urn: self.school_urn,
            role_in_school: self.role_in_school,
            disabled_at,
        }
    }

    /// Refuses missing attachments the role needs and present ones it cannot have.
    pub fn check_fit(&self, role: Role) -> Result<(), ApiError> {
        let needs_hub = matches!(role, Role::HubManager | Role::Lead);
        let needs_school = role == Role::Participant;
        let needs_tsh = role == Role::Partner;
        let mut errors = Vec::new();
        for (field, present, needed) in [
            ("hub", self.hub_id.is_some(), needs_hub),
            ("school_urn", self.school_urn.is_some(), needs_school),
            (
                "role_in_school",
                self.role_in_school.is_some(),
                needs_school,
            ),
            (
                "teaching_school_hub",
                self.teaching_school_hub_id.is_some(),
                needs_tsh,
            ),
        ] {
            match (present, needed) {
                (false, true) => errors.push(FieldError::new(
                    field,
                    format!("is required for the role {role}"),
                )),
                (true, false) => errors.push(FieldError::new(
                    field,
                    format!("does not apply to the role {role}"),
                )),
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Unprocessable(errors))
        }
    }
}

pub async fn resolve_hub(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
) -> Result<uuid::Uuid, ApiError> {
    lookups::hub_id(conn, slug.as_str())
        .await?
        .ok_or_else(|| ApiError::unprocessable("hub", format!("no hub has the slug {slug}")))
}

pub async fn resolve_tsh(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
) -> Result<uuid::Uuid, ApiError> {
    lookups::teaching_school_hub_id(conn, slug.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::unprocessable(
                "teaching_school_hub",
                format!("no Teaching School Hub has the slug {slug}"),
            )
        })
}

/// The URN of an open school, or 422 naming `school_urn`.
pub async fn resolve_school(conn: &mut AsyncPgConnection, urn: &Urn) -> Result<String, ApiError> {
    match lookups::school_status(conn, urn.as_str()).await? {
        Some(SchoolStatus::Open) => Ok(urn.as_str().to_owned()),
        Some(SchoolStatus::Closed) => Err(ApiError::unprocessable(
            "school_urn",
            format!("school {urn} is closed"),
        )),
        None => Err(ApiError::unprocessable(
            "school_urn",
            format!("no school has the URN {urn}"),
        )),
    }
}
