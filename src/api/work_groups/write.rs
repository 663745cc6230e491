//! Running work groups: hub managers and admins create drafts, edit them, and move their
//! status (open, close, cancel); a group's leads edit its description. Rights come from the
//! policy, status rules from `domain::lifecycle`, and every change is audited and, once the
//! group is public, added to the change feed partner sites follow.

use std::collections::HashSet;

use actix_web::http::header::HeaderValue;
use actix_web::{HttpResponse, patch, post, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::sessions::read::{Session, visible_joining_links};
use crate::api::work_groups::read::WorkGroup;
use crate::auth::policy::{UNKNOWN_HUB, authorize_on_group, may_create_work_groups};
use crate::auth::{Action, Caller, authorize};
use crate::db::work_group_writes::{self as writes, LockedGroup, WorkGroupFields};
use crate::db::{DbPool, audit, work_groups};
use crate::domain::lifecycle::{self, Transition};
use crate::domain::scope::WorkGroupScope;
use crate::domain::{
    Admission, DeliveryMode, LeadRole, ProgrammePhase, ProjectCode, Slug, parse_instant,
};
use crate::error::ApiError;
use crate::http::extract::paging::FieldErrors;
use crate::http::middleware::etag::require_current;
use crate::http::parse::{named_hub, parse_path, uuid};
use crate::http::write::{Answer, Body, Write};

const TAG: &str = "Work groups";
const MAX_CAPACITY: i32 = 500;
/// A group's description: what it offers, whom for, how it runs.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// A venue's address (its name and postcode apart).
pub const MAX_ADDRESS_CHARS: usize = 500;

/// Where a group meets in person.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueInput {
    #[schema(example = "Twyford Church of England High School")]
    pub name: String,
    #[schema(example = "Twyford Crescent, London")]
    pub address: Option<String>,
    #[schema(example = "W3 9PP")]
    pub postcode: Option<String>,
}

/// A venue's columns: name, address, postcode.
pub type VenueColumns = (Option<String>, Option<String>, Option<String>);

impl VenueInput {
    /// The columns of this venue, each field checked (as `venue.name` and so on) into
    /// `errors`; the postcode kept in its standard form.
    pub fn columns(self, errors: &mut FieldErrors) -> VenueColumns {
        let name = errors.parse("venue.name", Some(self.name), crate::http::parse::non_empty);
        let address = errors.parse(
            "venue.address",
            self.address,
            crate::http::parse::text_up_to(MAX_ADDRESS_CHARS),
        );
        let postcode = errors.parse("venue.postcode", self.postcode, |text| {
            crate::domain::Postcode::parse(text).map(crate::domain::Postcode::into_inner)
        });
        (name, address, postcode)
    }
}

/// A lead of the group: an LLME of the group's hub.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    pub user_id: uuid::Uuid,
    #[schema(value_type = LeadRole)]
    pub role: String,
}

/// A new work group: created as a draft, opened later with `POST /work-groups/{id}/open`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "hub": "london-central-and-west", "project": "NCP21-15", "code": "LCW21-15-02",
    "title": "Secondary Subject Leadership", "phase": "secondary", "mode": "blended",
    "capacity": 30, "admission": "review", "eoi_deadline": "2021-11-01T23:59:00+00:00",
    "venue": {"name": "Twyford Church of England High School", "address": "Twyford Crescent, London", "postcode": "W3 9PP"},
    "description": "Focused support for secondary heads of department.",
    "leads": [{"user_id": "017ce0d0-0000-7000-8000-000000000501", "role": "work_group_lead"}]
}))]
pub struct NewWorkGroup {
    /// The hub (slug) that runs the group.
    pub hub: String,
    /// The project (code) the group delivers; the group takes its academic year.
    pub project: String,
    /// Unique within the academic year, e.g. LCW21-15-01.
    #[schema(pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$", max_length = 40)]
    pub code: String,
    pub title: String,
    #[schema(value_type = ProgrammePhase)]
    pub phase: String,
    #[schema(value_type = DeliveryMode)]
    pub mode: String,
    /// 1 to 500 places.
    pub capacity: Option<i32>,
    #[schema(value_type = Admission)]
    pub admission: String,
    /// RFC 3339 with an offset.
    pub eoi_deadline: Option<String>,
    pub venue: Option<VenueInput>,
    pub description: Option<String>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub leads: Vec<LeadInput>,
}

/// Changes to a work group; what is left out stays. Leads of the group may change only the
/// description.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 32, "description": "Now with a spring term network meeting."}))]
pub struct WorkGroupChanges {
    pub title: Option<String>,
    #[schema(value_type = Option<ProgrammePhase>)]
    pub phase: Option<String>,
    #[schema(value_type = Option<DeliveryMode>)]
    pub mode: Option<String>,
    pub capacity: Option<i32>,
    #[schema(value_type = Option<Admission>)]
    pub admission: Option<String>,
    pub eoi_deadline: Option<String>,
    pub venue: Option<VenueInput>,
    pub description: Option<String>,
    /// Replaces every lead.
    #[schema(max_items = 10)]
    pub leads: Option<Vec<LeadInput>>,
}

impl WorkGroupChanges {
    /// The fields sent besides the description: only the hub's managers and admins send them.
    fn managed_fields(&self) -> Vec<&'static str> {
        [
            ("title", self.title.is_some()),
            ("phase", self.phase.is_some()),
            ("mode", self.mode.is_some()),
            ("capacity", self.capacity.is_some()),
            ("admission", self.admission.is_some()),
            ("eoi_deadline", self.eoi_deadline.is_some()),
            ("venue", self.venue.is_some()),
            ("leads", self.leads.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, sent)| sent.then_some(name))
        .collect()
    }
}

/// Why a group is cancelled, for its participants and partners.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Too few expressions of interest this term."}))]
pub struct Cancellation {
    pub reason: String,
}

fn capacity(value: i32) -> Result<i32, crate::domain::ParseError> {
    if (1..=MAX_CAPACITY).contains(&value) {
        Ok(value)
    } else {
        Err(crate::domain::ParseError(format!(
            "must be between 1 and {MAX_CAPACITY}"
        )))
    }
}

/// A group's code: capital letters and digits in hyphen-separated parts, e.g. LCW21-15-01.
fn group_code(text: &str) -> Result<String, crate::domain::ParseError> {
    let well_formed = (1..=40).contains(&text.len())
        && text.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
        });
    if well_formed {
        Ok(text.to_owned())
    } else {
        Err(crate::domain::ParseError(
            "must be capital letters and digits in hyphen-separated parts, such as LCW21-15-01"
                .into(),
        ))
    }
}

/// Most leads of one work group.
const MAX_LEADS: usize = 10;

/// Parses at most `MAX_LEADS` leads, each an enabled lead of `hub_id` named once.
async fn parse_leads(
    conn: &mut AsyncPgConnection,
    hub_id: uuid::Uuid,
    leads: Vec<LeadInput>,
) -> Result<Vec<(uuid::Uuid, LeadRole)>, ApiError> {
    if leads.len() > MAX_LEADS {
        return Err(ApiError::invalid(
            "leads",
            format!("must have at most {MAX_LEADS} items"),
        ));
    }
    let ids: Vec<uuid::Uuid> = leads.iter().map(|lead| lead.user_id).collect();
    let of_hub: HashSet<uuid::Uuid> = writes::leads_of_hub(conn, hub_id, &ids)
        .await?
        .into_iter()
        .collect();
    let mut errors = FieldErrors::default();
    let mut seen = HashSet::new();
    let mut parsed = Vec::new();
    for (index, lead) in leads.into_iter().enumerate() {
        let field = format!("leads[{index}].user_id");
        if !of_hub.contains(&lead.user_id) {
            errors.refuse(&field, "is not an enabled lead (LLME) of the group's hub");
        } else if !seen.insert(lead.user_id) {
            errors.refuse(&field, "is named twice");
        }
        let role = errors.parse(
            &format!("leads[{index}].role"),
            Some(lead.role),
            LeadRole::parse,
        );
        parsed.extend(role.map(|role| (lead.user_id, role)));
    }
    errors.into_result().map(|()| parsed)
}

fn check_phase(phase: ProgrammePhase, project_phases: &[ProgrammePhase]) -> Result<(), ApiError> {
    if project_phases.contains(&phase) {
        Ok(())
    } else {
        let phases: Vec<&str> = project_phases.iter().map(|phase| phase.as_str()).collect();
        Err(ApiError::unprocessable(
            "phase",
            format!("must be a phase of the project: {}", phases.join(", ")),
        ))
    }
}

/// The group as its staff see it: any status, joining links included.
async fn staff_view(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
) -> Result<WorkGroup, ApiError> {
    let row = work_groups::find_any(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Work group {id}")))?;
    let links = visible_joining_links(conn, Some(caller), id).await?;
    Ok(WorkGroup {
        summary: row.group.into(),
        sessions: row
            .sessions
            .0
            .into_iter()
            .map(|session| Session::from(session).with_joining_link(&links))
            .collect(),
    })
}

/// Locks the group and checks `caller` may do `action` to it; a draft is hidden (404) from
/// those refused, a public group refused with 403.
pub(crate) async fn lock_for(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    action: for<'a> fn(&'a WorkGroupScope) -> Action<'a>,
) -> Result<LockedGroup, ApiError> {
    let what = format!("Work group {id}");
    let group = writes::lock(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    let scope = work_groups::scope(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    let scope = WorkGroupScope::from(scope);
    authorize_on_group(caller, &action(&scope), group.is_public)
        .map_err(|refusal| refusal.into_error(&what))?;
    Ok(group)
}

/// Create a work group
///
/// Creates a draft work group of a hub for a project (its academic year is the project's).
/// For the hub's managers and national admins. Leads must be LLMEs of the same hub. Open it
/// with `POST /work-groups/{id}/open` once it has sessions, a capacity and a deadline.
#[utoipa::path(
    tag = TAG,
    request_body = NewWorkGroup,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created as a draft", body = WorkGroup,
         headers(("Location" = String, description = "The new group's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/work-groups")]
pub async fn create_work_group(
    caller: Caller,
    write: Write<NewWorkGroup>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| {
                may_create_work_groups(&caller)
                    .map_err(|refusal| refusal.into_error("Work group"))?;
                let hub_id = named_hub(conn, &write.body()?.hub).await?;
                authorize(&caller, &Action::CreateWorkGroup { hub_id })
                    .map_err(|refusal| refusal.into_error("Work group"))?;
                Ok(hub_id)
            },
            async |conn, hub_id, body| {
                let mut errors = FieldErrors::default();
                let hub = errors.parse("hub", Some(body.hub), Slug::parse);
                let project = errors.parse("project", Some(body.project), ProjectCode::parse);
                let code = errors.parse("code", Some(body.code), group_code);
                let title = errors.parse("title", Some(body.title), crate::http::parse::non_empty);
                let phase = errors.parse("phase", Some(body.phase), ProgrammePhase::parse);
                let mode = errors.parse("mode", Some(body.mode), DeliveryMode::parse);
                let admission = errors.parse("admission", Some(body.admission), Admission::parse);
                let capacity_value = errors.check("capacity", body.capacity, capacity);
                let deadline = errors.parse("eoi_deadline", body.eoi_deadline, parse_instant);
                let description = errors.parse(
                    "description",
                    body.description,
                    crate::http::parse::text_up_to(MAX_DESCRIPTION_CHARS),
                );
                let (venue_name, venue_address, venue_postcode) = body
                    .venue
                    .map_or_else(VenueColumns::default, |venue| venue.columns(&mut errors));
                errors.into_result()?;
                let (hub, project, code, title, phase, mode, admission) = (
                    hub.expect("parsed"),
                    project.expect("parsed"),
                    code.expect("parsed"),
                    title.expect("parsed"),
                    phase.expect("parsed"),
                    mode.expect("parsed"),
                    admission.expect("parsed"),
                );
                if hub_id == UNKNOWN_HUB {
                    return Err(ApiError::unprocessable("hub", format!("no hub has the slug {hub}")));
                }
                let (project_id, academic_year, project_phases) =
                    writes::project(conn, project.as_str()).await?.ok_or_else(|| {
                        ApiError::unprocessable("project", format!("no project has the code {project}"))
                    })?;
                check_phase(phase, &project_phases)?;
                let leads = parse_leads(conn, hub_id, body.leads).await?;
                let fields = WorkGroupFields {
                    title,
                    phase,
                    mode,
                    capacity: capacity_value,
                    admission,
                    eoi_deadline: deadline,
                    venue_name,
                    venue_address,
                    venue_postcode,
                    description: description.unwrap_or_default(),
                };
                let id = writes::insert(conn, hub_id, (project_id, &academic_year), &code, &fields, &leads).await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "work_group.created",
                    "work_group",
                    &id.to_string(),
                    serde_json::json!({"code": code, "academic_year": academic_year, "hub": hub.as_str()}),
                )
                .await?;
                let view = staff_view(conn, &caller, id).await?;
                Answer::created(format!("/api/v1/work-groups/{}", view.summary.id), &view)
            },
        )
        .await
}

/// Update a work group
///
/// Changes a work group; fields left out stay. The hub's managers and national admins change
/// anything; the group's leads change only its `description` (other fields answer 403). A
/// capacity below the participants already accepted answers 409, as does removing the last
/// lead of a group that has opened (`open`, `full`, `closed`, `running`). Send the `ETag` of your copy
/// in `If-Match` to refuse the change (412) if someone changed the group since.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The work group's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = WorkGroupChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed work group", body = WorkGroup),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/work-groups/{id}")]
pub async fn update_work_group(
    caller: Caller,
    path: web::Path<String>,
    write: Write<WorkGroupChanges>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| {
                // Who may edit the group at all comes first; then the fields sent.
                let group = lock_for(conn, &caller, id, |scope| {
                    Action::EditWorkGroupDetails(scope)
                })
                .await?;
                let managed = write.body()?.managed_fields();
                may_change_managed_fields(conn, &caller, id, &managed).await?;
                Ok(group)
            },
            async |conn, group, changes| {
                let mut errors = FieldErrors::default();
                let title = errors.parse(
                    "title",
                    changes.title.clone(),
                    crate::http::parse::non_empty,
                );
                let phase = errors.parse("phase", changes.phase.clone(), ProgrammePhase::parse);
                let mode = errors.parse("mode", changes.mode.clone(), DeliveryMode::parse);
                let admission =
                    errors.parse("admission", changes.admission.clone(), Admission::parse);
                let new_capacity = errors.check("capacity", changes.capacity, capacity);
                let deadline =
                    errors.parse("eoi_deadline", changes.eoi_deadline.clone(), parse_instant);
                let description = errors.parse(
                    "description",
                    changes.description.clone(),
                    crate::http::parse::text_up_to(MAX_DESCRIPTION_CHARS),
                );
                let venue = changes
                    .venue
                    .clone()
                    .map(|venue| venue.columns(&mut errors));
                errors.into_result()?;
                check_if_match(conn, &caller, id, write.if_match()?).await?;
                let edits = Edits {
                    title,
                    phase,
                    mode,
                    admission,
                    capacity: new_capacity,
                    eoi_deadline: deadline,
                    venue,
                    description,
                };
                let fields = edits.applied_to(&group)?;
                let change = lifecycle::edited(&group.facts, new_capacity)
                    .map_err(|rule| ApiError::Conflict(rule.0))?;
                let leads = match changes.leads.clone() {
                    Some(leads) => Some(replacement_leads(conn, &group, leads).await?),
                    None => None,
                };
                writes::edit(conn, &group, &fields, leads.as_deref(), &change, caller.id).await?;
                Answer::ok(&staff_view(conn, &caller, id).await?)
            },
        )
        .await
}

/// 403 naming the fields sent that only the hub's managers and national admins change,
/// unless `caller` is one of them.
async fn may_change_managed_fields(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    managed: &[&str],
) -> Result<(), ApiError> {
    if managed.is_empty() {
        return Ok(());
    }
    let scope = work_groups::scope(conn, id)
        .await?
        .map(WorkGroupScope::from)
        .ok_or_else(|| ApiError::not_found(format!("Work group {id}")))?;
    authorize(caller, &Action::ManageWorkGroup(&scope)).map_err(|refusal| {
        match refusal.into_error(format!("Work group {id}")) {
            ApiError::Forbidden(reason) => ApiError::Forbidden(format!(
                "{reason} Not allowed here: {}.",
                managed.join(", ")
            )),
            other => other,
        }
    })
}

/// 412 unless the `If-Match` sent, if any, names the group as it is now.
async fn check_if_match(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    if_match: Option<&HeaderValue>,
) -> Result<(), ApiError> {
    if let Some(if_match) = if_match {
        let current = staff_view(conn, caller, id).await?;
        require_current(if_match, &current, format_args!("Work group {id}"))?;
    }
    Ok(())
}

/// The fields an edit sets, parsed; those left out stay as they are.
struct Edits {
    title: Option<String>,
    phase: Option<ProgrammePhase>,
    mode: Option<DeliveryMode>,
    admission: Option<Admission>,
    capacity: Option<i32>,
    eoi_deadline: Option<DateTime<Utc>>,
    venue: Option<VenueColumns>,
    description: Option<String>,
}

impl Edits {
    /// The group's fields with these edits made: 422 for a phase its project does not have.
    /// The capacity's own rule is the status machine's (`lifecycle::edited`).
    fn applied_to(self, group: &LockedGroup) -> Result<WorkGroupFields, ApiError> {
        if let Some(phase) = self.phase {
            check_phase(phase, &group.project_phases)?;
        }
        let current = group.fields.clone();
        let (venue_name, venue_address, venue_postcode) = self.venue.unwrap_or((
            current.venue_name,
            current.venue_address,
            current.venue_postcode,
        ));
        Ok(WorkGroupFields {
            title: self.title.unwrap_or(current.title),
            phase: self.phase.unwrap_or(current.phase),
            mode: self.mode.unwrap_or(current.mode),
            capacity: self.capacity.or(current.capacity),
            admission: self.admission.unwrap_or(current.admission),
            eoi_deadline: self.eoi_deadline.or(current.eoi_deadline),
            venue_name,
            venue_address,
            venue_postcode,
            description: self.description.unwrap_or(current.description),
        })
    }
}

/// The leads replacing the group's: enabled leads of its hub (`parse_leads`), at least one
/// once the group has opened (409).
async fn replacement_leads(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    leads: Vec<LeadInput>,
) -> Result<Vec<(uuid::Uuid, LeadRole)>, ApiError> {
    let leads = parse_leads(conn, group.hub_id, leads).await?;
    lifecycle::check_leads(group.facts.status, leads.len())
        .map_err(|rule| ApiError::Conflict(rule.0))?;
    Ok(leads)
}

/// Moves the group's status by hand, as the status machine allows: a write of its own, the
/// group locked once `caller` may manage it.
async fn change_status(
    caller: &Caller,
    pool: &DbPool,
    path: &str,
    write: &Write<impl Body + Send>,
    transition: Transition,
    reason: impl FnOnce() -> Result<Option<String>, ApiError> + Send,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            caller,
            async |conn| lock_for(conn, caller, id, |scope| Action::ManageWorkGroup(scope)).await,
            async |conn, group, _| {
                let reason = reason()?;
                let change = lifecycle::by_hand(&group.facts, transition, Utc::now())
                    .map_err(|rule| ApiError::Conflict(rule.0))?;
                writes::change_status(conn, id, &change, reason.as_deref(), caller.id).await?;
                Answer::ok(&staff_view(conn, caller, id).await?)
            },
        )
        .await
}

/// Open a work group
///
/// Opens a draft (or reopens a closed group) for expressions of interest. It needs at least
/// one lead, at least one session ahead (one that takes place), a capacity and a deadline
/// still ahead, and its first session must not have begun; otherwise 409 says what is missing
/// (all of it at once) or which rule the group breaks. A group whose places are all taken
/// opens as `full`.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The work group's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The group, now open (or full)", body = WorkGroup),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/work-groups/{id}/open")]
pub async fn open_work_group(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    change_status(&caller, &pool, &path, &write, Transition::Open, || Ok(None)).await
}

/// Close a work group
///
/// Closes an open or full group to new expressions of interest; enrolments stay as they are.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The work group's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The group, now closed", body = WorkGroup),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/work-groups/{id}/close")]
pub async fn close_work_group(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    change_status(&caller, &pool, &path, &write, Transition::Close, || {
        Ok(None)
    })
    .await
}

/// Cancel a work group
///
/// Cancels a group in any state before `completed`, with a reason shown to participants and
/// partners. A draft cancelled before it ever opened is abandoned: its staff and admins still
/// see it (as `cancelled`), but it stays out of every public list, feed and calendar, and
/// partners hear nothing of it.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The work group's id")),
    request_body = Cancellation,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The group, now cancelled", body = WorkGroup),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/work-groups/{id}/cancel")]
pub async fn cancel_work_group(
    caller: Caller,
    path: web::Path<String>,
    write: Write<Cancellation>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let reason = || {
        let body = write.body()?;
        crate::http::parse::non_empty(&body.reason)
            .map(Some)
            .map_err(|error| ApiError::invalid("reason", error.0))
    };
    change_status(&caller, &pool, &path, &write, Transition::Cancel, reason).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_work_group)
        .service(update_work_group)
        .service(open_work_group)
        .service(close_work_group)
        .service(cancel_work_group);
}
