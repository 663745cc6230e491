//! Writing LLME profiles: a hub's managers (and national admins) create the profiles of the
//! hub's leads and edit them; a lead edits their own bio, and sending any other field answers
//! 403 naming it. Every change is audited with the profile as it was and as it became.

use actix_web::{HttpResponse, patch, post, web};
use chrono::Datelike;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::leads::read::Lead;
use crate::auth::policy::{LeadProfileScope, may_create_lead_profiles};
use crate::auth::{Action, Caller, authorize};
use crate::db::lead_writes::{self as writes, ProfileFields};
use crate::db::{DbPool, audit, leads as reads};
use crate::domain::llme::{self, CommunityYear};
use crate::domain::{BoundedText, NonBlank, ProgrammePhase};
use crate::error::ApiError;
use crate::http::extract::paging::FieldErrors;
use crate::http::middleware::etag::require_current;
use crate::http::parse::{nullable, parse_path, set_if_sent, uuid};
use crate::http::read;
use crate::http::write::{Answer, Write};

const TAG: &str = "Leads";
/// A short bio: a paragraph or two.
type Bio = BoundedText<2_000>;
const MAX_SPECIALISMS: usize = 20;
/// As the `llme_profiles_roles_held_bounded` constraint allows.
const MAX_ROLES_HELD: usize = 10;

/// A new LLME profile, for an enabled `lead` account of the hub.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "user_id": "017ce0d0-0000-7000-8000-000000000503", "name": "Demo Lead (LNE)",
    "phases": ["primary", "secondary"], "specialisms": ["mastery", "subject leadership"],
    "bio": "A member of the London North East Maths Hub LLME Community, leading Work Groups for secondary heads of department.",
    "roles_held": ["Work Group Lead", "Secondary Mastery Specialist"],
    "community_member": true, "community_member_since": 2019
}))]
pub struct NewLeadProfile {
    /// The lead's account.
    pub user_id: uuid::Uuid,
    /// The name shown publicly.
    #[schema(inline)]
    pub name: NonBlank,
    #[schema(max_items = 4)]
    pub phases: Option<Vec<ProgrammePhase>>,
    /// Up to 20, in the lead's words.
    #[schema(inline, max_items = 20)]
    pub specialisms: Option<Vec<NonBlank>>,
    /// Up to 2,000 characters.
    #[schema(inline)]
    pub bio: Option<Bio>,
    /// Up to 10 roles, such as "Work Group Lead" or "Secondary Mastery Specialist".
    #[schema(inline, max_items = 10)]
    pub roles_held: Option<Vec<NonBlank>>,
    /// Whether they belong to the hub's LLME community; `true` when left out.
    pub community_member: Option<bool>,
    /// The year they joined it (2014, when Maths Hubs began, to this year); members only.
    #[schema(inline)]
    pub community_member_since: Option<CommunityYear>,
}

/// `NewLeadProfile` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewLeadProfile", deny_unknown_fields)]
pub struct NewLeadProfileForm {
    user_id: uuid::Uuid,
    name: String,
    phases: Option<Vec<String>>,
    specialisms: Option<Vec<String>>,
    bio: Option<String>,
    roles_held: Option<Vec<String>>,
    community_member: Option<bool>,
    community_member_since: Option<i32>,
}

impl NewLeadProfileForm {
    /// The account, and every other field as a change that sets it.
    fn split(self) -> (uuid::Uuid, LeadProfileChangesForm) {
        let changes = LeadProfileChangesForm {
            name: Some(self.name),
            phases: self.phases,
            specialisms: self.specialisms,
            bio: self.bio,
            roles_held: self.roles_held,
            community_member: self.community_member,
            community_member_since: self.community_member_since.map(Some),
        };
        (self.user_id, changes)
    }
}

impl TryFrom<NewLeadProfileForm> for NewLeadProfile {
    type Error = ApiError;

    fn try_from(form: NewLeadProfileForm) -> Result<Self, ApiError> {
        let (user_id, changes) = form.split();
        let mut errors = FieldErrors::default();
        let changes = LeadProfileChanges::parse(changes, &mut errors);
        errors.finish(|| {
            Some(Self {
                user_id,
                name: changes.name?,
                phases: changes.phases,
                specialisms: changes.specialisms,
                bio: changes.bio,
                roles_held: changes.roles_held,
                community_member: changes.community_member,
                community_member_since: changes.community_member_since.flatten(),
            })
        })
    }
}

/// Texts as the columns keep them.
fn texts(texts: Vec<NonBlank>) -> Vec<String> {
    texts.into_iter().map(NonBlank::into_inner).collect()
}

impl NewLeadProfile {
    /// The account, and the profile's fields (defaults for what was left out).
    fn into_parts(self) -> (uuid::Uuid, ProfileFields) {
        let fields = ProfileFields {
            display_name: self.name.into_inner(),
            phases: self.phases.unwrap_or_default(),
            specialisms: self.specialisms.map(texts).unwrap_or_default(),
            bio: self.bio.map(Bio::into_inner).unwrap_or_default(),
            roles_held: self.roles_held.map(texts).unwrap_or_default(),
            community_member: self.community_member.unwrap_or(true),
            community_member_since: self.community_member_since.map(CommunityYear::get),
        };
        (self.user_id, fields)
    }
}

/// Changes to an LLME profile; what is left out stays, and `community_member_since: null`
/// clears it. A lead may send only `bio`.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bio": "Leads the Secondary Subject Leadership Work Group at Twyford.", "roles_held": ["Work Group Lead"]}))]
pub struct LeadProfileChanges {
    #[schema(inline)]
    pub name: Option<NonBlank>,
    #[schema(max_items = 4)]
    pub phases: Option<Vec<ProgrammePhase>>,
    #[schema(inline, max_items = 20)]
    pub specialisms: Option<Vec<NonBlank>>,
    #[schema(inline)]
    pub bio: Option<Bio>,
    #[schema(inline, max_items = 10)]
    pub roles_held: Option<Vec<NonBlank>>,
    pub community_member: Option<bool>,
    #[schema(inline)]
    pub community_member_since: Option<Option<CommunityYear>>,
}

/// `LeadProfileChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "LeadProfileChanges", deny_unknown_fields)]
pub struct LeadProfileChangesForm {
    name: Option<String>,
    phases: Option<Vec<String>>,
    specialisms: Option<Vec<String>>,
    bio: Option<String>,
    roles_held: Option<Vec<String>>,
    community_member: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    community_member_since: Option<Option<i32>>,
}

impl LeadProfileChangesForm {
    /// The fields sent besides the bio: only the hub's managers and admins send them.
    fn managed_fields(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("phases", self.phases.is_some()),
            ("specialisms", self.specialisms.is_some()),
            ("roles_held", self.roles_held.is_some()),
            ("community_member", self.community_member.is_some()),
            (
                "community_member_since",
                self.community_member_since.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, sent)| sent.then_some(name))
        .collect()
    }
}

impl TryFrom<LeadProfileChangesForm> for LeadProfileChanges {
    type Error = ApiError;

    fn try_from(form: LeadProfileChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let changes = Self::parse(form, &mut errors);
        errors.finish(|| Some(changes))
    }
}

impl LeadProfileChanges {
    /// Parses every field sent, recording each bad one in `errors`.
    fn parse(form: LeadProfileChangesForm, errors: &mut FieldErrors) -> Self {
        let this_year = chrono::Utc::now().year();
        Self {
            name: errors.parse("name", form.name, NonBlank::parse),
            phases: errors.parse_each(
                "phases",
                form.phases,
                ProgrammePhase::ALL.len(),
                ProgrammePhase::parse,
            ),
            specialisms: errors.parse_each(
                "specialisms",
                form.specialisms,
                MAX_SPECIALISMS,
                NonBlank::parse,
            ),
            bio: errors.parse("bio", form.bio, Bio::parse),
            roles_held: errors.parse_each(
                "roles_held",
                form.roles_held,
                MAX_ROLES_HELD,
                NonBlank::parse,
            ),
            community_member: form.community_member,
            community_member_since: form.community_member_since.map(|since| {
                let year = errors.check("community_member_since", since, CommunityYear::parse)?;
                match llme::check_not_future(year, this_year) {
                    Ok(()) => Some(year),
                    Err(error) => {
                        errors.refuse("community_member_since", error.0);
                        None
                    }
                }
            }),
        }
    }

    /// Sets what was sent on `fields`.
    fn apply_to(self, fields: &mut ProfileFields) {
        set_if_sent(
            &mut fields.display_name,
            self.name.map(NonBlank::into_inner),
        );
        set_if_sent(&mut fields.phases, self.phases);
        set_if_sent(&mut fields.specialisms, self.specialisms.map(texts));
        set_if_sent(&mut fields.bio, self.bio.map(Bio::into_inner));
        set_if_sent(&mut fields.roles_held, self.roles_held.map(texts));
        set_if_sent(&mut fields.community_member, self.community_member);
        set_if_sent(
            &mut fields.community_member_since,
            self.community_member_since
                .map(|since| since.map(CommunityYear::get)),
        );
    }
}

/// Only members of the community have a year they joined it (422 naming the year).
fn check_membership(fields: &ProfileFields) -> Result<(), ApiError> {
    llme::check_membership(fields.community_member, fields.community_member_since)
        .map_err(|error| ApiError::unprocessable("community_member_since", error.0))
}

/// The profile as those who write it see it: the public shape, published or not.
async fn current(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> Result<Lead, ApiError> {
    read::found(conn, "LLME profile", &id, async |conn, id| {
        reads::find_any(conn, *id).await
    })
    .await
}

/// Create an LLME profile
///
/// Creates the public profile of a Local Leader of Maths Education: for the managers of the
/// lead's hub and national admins. `user_id` names an enabled `lead` account; the profile
/// works with that account's hub. A lead has one profile: a second answers 409.
#[utoipa::path(
    tag = TAG,
    request_body = NewLeadProfile,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Lead,
         headers(("Location" = String, description = "The new profile's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/leads")]
pub async fn create_lead_profile(
    caller: Caller,
    write: Write<NewLeadProfileForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| {
                may_create_lead_profiles(&caller)
                    .map_err(|refusal| refusal.into_error("LLME profile"))?;
                let id = write.body()?.user_id;
                // An id that is no enabled lead's is nobody's hub's: admins' only to be told so.
                let hub_id = writes::lead_hub(conn, id).await?;
                let scope = LeadProfileScope {
                    user_id: id,
                    hub_id,
                };
                authorize(&caller, &Action::ManageLeadProfile(&scope))
                    .map_err(|refusal| refusal.into_error(format!("LLME profile {id}")))?;
                Ok(hub_id)
            },
            async |conn, hub_id, form| {
                let (id, fields) = NewLeadProfile::try_from(form)?.into_parts();
                let hub_id = hub_id.ok_or_else(|| {
                    ApiError::unprocessable("user_id", "must be the id of an enabled lead account")
                })?;
                check_membership(&fields)?;
                writes::insert(conn, id, hub_id, &fields).await?;
                let view = current(conn, id).await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "llme_profile.created",
                    "llme_profile",
                    &id.to_string(),
                    serde_json::json!({"after": view}),
                )
                .await?;
                Answer::created(format!("/api/v1/leads/{id}"), &view)
            },
        )
        .await
}

/// Update an LLME profile
///
/// Changes an LLME profile; fields left out stay. The managers of the lead's hub and national
/// admins change anything; the lead changes only their own `bio` (other fields answer 403
/// naming them). Send the `ETag` of your copy in `If-Match` to refuse the change (412) if
/// someone changed the profile since.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The lead's user id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = LeadProfileChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed profile", body = Lead),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/leads/{id}")]
pub async fn update_lead_profile(
    caller: Caller,
    path: web::Path<String>,
    write: Write<LeadProfileChangesForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let what = format!("LLME profile {id}");
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| {
                // Who may edit the profile at all comes first; then the fields sent.
                let (scope, fields) = lock_editable(conn, &caller, id, &what).await?;
                may_manage(&caller, &scope, &write.body()?.managed_fields(), &what)?;
                Ok(fields)
            },
            async |conn, mut fields, form| {
                let changes = LeadProfileChanges::try_from(form)?;
                let before = current(conn, id).await?;
                if let Some(if_match) = write.if_match()? {
                    require_current(if_match, &before, &what)?;
                }
                changes.apply_to(&mut fields);
                check_membership(&fields)?;
                let after = save(conn, &caller, id, &fields, &before).await?;
                Answer::ok(&after)
            },
        )
        .await
}

/// Locks the profile `id` (named `what`) if `caller` may edit it at all: its scope and fields.
async fn lock_editable(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    what: &str,
) -> Result<(LeadProfileScope, ProfileFields), ApiError> {
    let (hub_id, fields) = writes::lock(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(what))?;
    let scope = LeadProfileScope {
        user_id: id,
        hub_id,
    };
    authorize(caller, &Action::EditLeadBio(&scope)).map_err(|refusal| refusal.into_error(what))?;
    Ok((scope, fields))
}

/// Whether `caller` may change the fields sent that only a hub's managers change (`managed`,
/// by name): a refusal names them.
fn may_manage(
    caller: &Caller,
    scope: &LeadProfileScope,
    managed: &[&str],
    what: &str,
) -> Result<(), ApiError> {
    if managed.is_empty() {
        return Ok(());
    }
    authorize(caller, &Action::ManageLeadProfile(scope)).map_err(|refusal| {
        match refusal.into_error(what) {
            ApiError::Forbidden(reason) => ApiError::Forbidden(format!(
                "{reason} Not allowed here: {}.",
                managed.join(", ")
            )),
            other => other,
        }
    })
}

/// Writes the profile's new fields, audited as `caller`'s with the profile `before` and after;
/// the profile after.
async fn save(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    fields: &ProfileFields,
    before: &Lead,
) -> Result<Lead, ApiError> {
    writes::update(conn, id, fields).await?;
    let after = current(conn, id).await?;
    let details = serde_json::json!({"before": before, "after": after});
    audit::record(
        conn,
        Some(caller.id),
        "llme_profile.updated",
        "llme_profile",
        &id.to_string(),
        details,
    )
    .await?;
    Ok(after)
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_lead_profile)
        .service(update_lead_profile);
}
