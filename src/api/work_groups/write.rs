//! Running work groups: hub managers and admins create drafts, edit them, and move their
//! status (open, close, cancel); a group's leads edit its description. Rights come from the
//! policy, status rules from `domain::lifecycle`, and every change is audited and, once the
//! group is public, added to the change feed partner sites follow.

use std::collections::HashSet;

use actix_web::{HttpResponse, patch, post, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use serde_json::json;
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
    Admission, BoundedText, Capacity, DeliveryMode, GroupCode, LeadRole, NonBlank, Postcode,
    ProgrammePhase, ProjectCode, Slug, Timestamp,
};
use crate::error::ApiError;
use crate::http::body::{ReasonForm, Shown};
use crate::http::extract::paging::FieldErrors;
use crate::http::middleware::etag::require_current_if_sent;
use crate::http::parse::{named_hub, parse_path, uuid};
use crate::http::write::{Answer, Body, Write};

const TAG: &str = "Work groups";
/// A group's description: what it offers, whom for, how it runs.
type Description = BoundedText<10_000>;
/// A venue's address (its name and postcode apart).
type Address = BoundedText<500>;

/// Where a group meets in person.
#[derive(Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueInput {
    #[schema(schema_with = venue_name)]
    pub name: NonBlank,
    #[schema(schema_with = venue_address)]
    pub address: Option<Address>,
    #[schema(schema_with = venue_postcode)]
    pub postcode: Option<Postcode>,
}

fn venue_name() -> Shown {
    Shown::value::<NonBlank>(json!("Twyford Church of England High School"))
}

fn venue_address() -> Shown {
    Shown::value::<Address>(json!("Twyford Crescent, London")).optional()
}

fn venue_postcode() -> Shown {
    Shown::value::<Postcode>(json!("W3 9PP")).optional()
}

/// `VenueInput` as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "VenueInput", deny_unknown_fields)]
pub struct VenueForm {
    name: String,
    address: Option<String>,
    postcode: Option<String>,
}

/// A venue's columns: name, address, postcode.
pub type VenueColumns = (Option<String>, Option<String>, Option<String>);

impl VenueInput {
    /// Parses each field (as `venue.name` and so on) into `errors`.
    pub fn parse(form: VenueForm, errors: &mut FieldErrors) -> Option<Self> {
        let name = errors.parse("venue.name", Some(form.name), NonBlank::parse);
        let address = errors.parse("venue.address", form.address, Address::parse);
        let postcode = errors.parse("venue.postcode", form.postcode, Postcode::parse);
        Some(Self {
            name: name?,
            address,
            postcode,
        })
    }

    /// The columns of this venue, the postcode in its standard form.
    pub fn into_columns(self) -> VenueColumns {
        (
            Some(self.name.into_inner()),
            self.address.map(Address::into_inner),
            self.postcode.map(Postcode::into_inner),
        )
    }
}

/// A lead of the group: an LLME of the group's hub.
#[derive(Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    pub user_id: uuid::Uuid,
    pub role: LeadRole,
}

/// `LeadInput` as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "LeadInput", deny_unknown_fields)]
struct LeadForm {
    user_id: uuid::Uuid,
    role: String,
}

/// Most leads of one work group.
const MAX_LEADS: usize = 10;

/// Parses at most `MAX_LEADS` leads, naming a bad one by its place (`leads[1].role`).
fn parse_leads(forms: Vec<LeadForm>, errors: &mut FieldErrors) -> Option<Vec<LeadInput>> {
    if forms.len() > MAX_LEADS {
        errors.push("leads", format!("must have at most {MAX_LEADS} items"));
        return None;
    }
    let leads: Vec<Option<LeadInput>> = forms
        .into_iter()
        .enumerate()
        .map(|(index, form)| {
            let role = errors.parse(
                &format!("leads[{index}].role"),
                Some(form.role),
                LeadRole::parse,
            )?;
            Some(LeadInput {
                user_id: form.user_id,
                role,
            })
        })
        .collect();
    leads.into_iter().collect()
}

/// A new work group: created as a draft, opened later with `POST /work-groups/{id}/open`.
#[derive(Debug, ToSchema)]
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
    #[schema(inline)]
    pub hub: Slug,
    /// The project (code) the group delivers; the group takes its academic year.
    #[schema(inline)]
    pub project: ProjectCode,
    /// Unique within the academic year, e.g. LCW21-15-01.
    #[schema(inline)]
    pub code: GroupCode,
    #[schema(inline)]
    pub title: NonBlank,
    pub phase: ProgrammePhase,
    pub mode: DeliveryMode,
    /// 1 to 500 places.
    #[schema(inline)]
    pub capacity: Option<Capacity>,
    pub admission: Admission,
    /// Confirm places only for teachers whose school's senior leader agreed to release them
    /// (`false` when left out).
    pub requires_senior_leader_agreement: Option<bool>,
    /// RFC 3339 with an offset.
    #[schema(inline)]
    pub eoi_deadline: Option<Timestamp>,
    pub venue: Option<VenueInput>,
    #[schema(inline)]
    pub description: Option<Description>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub leads: Vec<LeadInput>,
}

/// `NewWorkGroup` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewWorkGroup", deny_unknown_fields)]
pub struct NewWorkGroupForm {
    hub: String,
    project: String,
    code: String,
    title: String,
    phase: String,
    mode: String,
    capacity: Option<i32>,
    admission: String,
    requires_senior_leader_agreement: Option<bool>,
    eoi_deadline: Option<String>,
    venue: Option<VenueForm>,
    description: Option<String>,
    #[serde(default)]
    leads: Vec<LeadForm>,
}

impl NewWorkGroupForm {
    /// The hub, project and code, and every other field as a change that sets it.
    fn split(self) -> ([String; 3], WorkGroupChangesForm) {
        let changes = WorkGroupChangesForm {
            title: Some(self.title),
            phase: Some(self.phase),
            mode: Some(self.mode),
            capacity: self.capacity,
            admission: Some(self.admission),
            requires_senior_leader_agreement: self.requires_senior_leader_agreement,
            eoi_deadline: self.eoi_deadline,
            venue: self.venue,
            description: self.description,
            leads: Some(self.leads),
        };
        ([self.hub, self.project, self.code], changes)
    }
}

impl TryFrom<NewWorkGroupForm> for NewWorkGroup {
    type Error = ApiError;

    fn try_from(form: NewWorkGroupForm) -> Result<Self, ApiError> {
        let ([hub, project, code], changes) = form.split();
        let mut errors = FieldErrors::default();
        let hub = errors.parse("hub", Some(hub), Slug::parse);
        let project = errors.parse("project", Some(project), ProjectCode::parse);
        let code = errors.parse("code", Some(code), GroupCode::parse);
        let changes = WorkGroupChanges::parse(changes, &mut errors);
        errors.finish(|| {
            Some(Self {
                hub: hub?,
                project: project?,
                code: code?,
                title: changes.title?,
                phase: changes.phase?,
                mode: changes.mode?,
                capacity: changes.capacity,
                admission: changes.admission?,
                requires_senior_leader_agreement: changes.requires_senior_leader_agreement,
                eoi_deadline: changes.eoi_deadline,
                venue: changes.venue,
                description: changes.description,
                leads: changes.leads?,
            })
        })
    }
}

/// Changes to a work group; what is left out stays. Leads of the group may change only the
/// description.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 32, "description": "Now with a spring term network meeting."}))]
pub struct WorkGroupChanges {
    #[schema(inline)]
    pub title: Option<NonBlank>,
    pub phase: Option<ProgrammePhase>,
    pub mode: Option<DeliveryMode>,
    #[schema(inline)]
    pub capacity: Option<Capacity>,
    pub admission: Option<Admission>,
    /// Confirm places only for teachers whose school's senior leader agreed to release them.
    pub requires_senior_leader_agreement: Option<bool>,
    #[schema(inline)]
    pub eoi_deadline: Option<Timestamp>,
    pub venue: Option<VenueInput>,
    #[schema(inline)]
    pub description: Option<Description>,
    /// Replaces every lead.
    #[schema(max_items = 10)]
    pub leads: Option<Vec<LeadInput>>,
}

/// `WorkGroupChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "WorkGroupChanges", deny_unknown_fields)]
pub struct WorkGroupChangesForm {
    title: Option<String>,
    phase: Option<String>,
    mode: Option<String>,
    capacity: Option<i32>,
    admission: Option<String>,
    requires_senior_leader_agreement: Option<bool>,
    eoi_deadline: Option<String>,
    venue: Option<VenueForm>,
    description: Option<String>,
    leads: Option<Vec<LeadForm>>,
}

impl WorkGroupChangesForm {
    /// The fields sent besides the description: only the hub's managers and admins send them.
    fn managed_fields(&self) -> Vec<&'static str> {
        [
            ("title", self.title.is_some()),
            ("phase", self.phase.is_some()),
            ("mode", self.mode.is_some()),
            ("capacity", self.capacity.is_some()),
            ("admission", self.admission.is_some()),
            (
                "requires_senior_leader_agreement",
                self.requires_senior_leader_agreement.is_some(),
            ),
            ("eoi_deadline", self.eoi_deadline.is_some()),
            ("venue", self.venue.is_some()),
            ("leads", self.leads.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, sent)| sent.then_some(name))
        .collect()
    }
}

impl TryFrom<WorkGroupChangesForm> for WorkGroupChanges {
    type Error = ApiError;

    fn try_from(form: WorkGroupChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let changes = Self::parse(form, &mut errors);
        errors.finish(|| Some(changes))
    }
}

impl WorkGroupChanges {
    /// Parses every field sent, recording each bad one in `errors`.
    fn parse(form: WorkGroupChangesForm, errors: &mut FieldErrors) -> Self {
        let title = errors.parse("title", form.title, NonBlank::parse);
        let phase = errors.parse("phase", form.phase, ProgrammePhase::parse);
        let mode = errors.parse("mode", form.mode, DeliveryMode::parse);
        let admission = errors.parse("admission", form.admission, Admission::parse);
        let capacity = errors.check("capacity", form.capacity, Capacity::parse);
        let eoi_deadline = errors.parse("eoi_deadline", form.eoi_deadline, Timestamp::parse);
        let description = errors.parse("description", form.description, Description::parse);
        let venue = form
            .venue
            .and_then(|venue| VenueInput::parse(venue, errors));
        let leads = form.leads.and_then(|leads| parse_leads(leads, errors));
        Self {
            title,
            phase,
            mode,
            capacity,
            admission,
            requires_senior_leader_agreement: form.requires_senior_leader_agreement,
            eoi_deadline,
            venue,
            description,
            leads,
        }
    }
}

/// Why a group is cancelled, for its participants and partners.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Too few expressions of interest this term."}))]
pub struct Cancellation {
    #[schema(inline)]
    pub reason: NonBlank,
}

impl TryFrom<ReasonForm> for Cancellation {
    type Error = ApiError;

    fn try_from(form: ReasonForm) -> Result<Self, ApiError> {
        form.parse().map(|reason| Self { reason })
    }
}

/// The leads as `(id, role)`, each an enabled lead of `hub_id` named once (422 naming each
/// that is not).
async fn check_leads(
    conn: &mut AsyncPgConnection,
    hub_id: uuid::Uuid,
    leads: Vec<LeadInput>,
) -> Result<Vec<(uuid::Uuid, LeadRole)>, ApiError> {
    let ids: Vec<uuid::Uuid> = leads.iter().map(|lead| lead.user_id).collect();
    let of_hub: HashSet<uuid::Uuid> = writes::leads_of_hub(conn, hub_id, &ids)
        .await?
        .into_iter()
        .collect();
    let mut errors = FieldErrors::default();
    let mut seen = HashSet::new();
    for (index, lead) in leads.iter().enumerate() {
        let field = format!("leads[{index}].user_id");
        if !of_hub.contains(&lead.user_id) {
            errors.refuse(&field, "is not an enabled lead (LLME) of the group's hub");
        } else if !seen.insert(lead.user_id) {
            errors.refuse(&field, "is named twice");
        }
    }
    let leads = leads
        .into_iter()
        .map(|lead| (lead.user_id, lead.role))
        .collect();
    errors.finish(|| Some(leads))
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
    write: Write<NewWorkGroupForm>,
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
            async |conn, hub_id, form| {
                let NewWorkGroup {
                    hub,
                    project,
                    code,
                    title,
                    phase,
                    mode,
                    capacity,
                    admission,
                    requires_senior_leader_agreement,
                    eoi_deadline,
                    venue,
                    description,
                    leads,
                } = NewWorkGroup::try_from(form)?;
                if hub_id == UNKNOWN_HUB {
                    return Err(ApiError::unprocessable("hub", format!("no hub has the slug {hub}")));
                }
                let (project_id, academic_year, project_phases) =
                    writes::project(conn, project.as_str()).await?.ok_or_else(|| {
                        ApiError::unprocessable("project", format!("no project has the code {project}"))
                    })?;
                check_phase(phase, &project_phases)?;
                let leads = check_leads(conn, hub_id, leads).await?;
                let (venue_name, venue_address, venue_postcode) =
                    venue.map_or_else(VenueColumns::default, VenueInput::into_columns);
                let fields = WorkGroupFields {
                    title: title.into_inner(),
                    phase,
                    mode,
                    capacity: capacity.map(Capacity::get),
                    admission,
                    requires_senior_leader_agreement: requires_senior_leader_agreement
                        .unwrap_or(false),
                    eoi_deadline: eoi_deadline.map(Timestamp::get),
                    venue_name,
                    venue_address,
                    venue_postcode,
                    description: description.map(Description::into_inner).unwrap_or_default(),
                };
                let id = writes::insert(conn, hub_id, (project_id, &academic_year), code.as_str(), &fields, &leads).await?;
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
    write: Write<WorkGroupChangesForm>,
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
            async |conn, group, form| {
                let changes = WorkGroupChanges::try_from(form)?;
                require_current_if_sent(write.if_match()?, "Work group", &id, async || {
                    staff_view(conn, &caller, id).await
                })
                .await?;
                let new_capacity = changes.capacity.map(Capacity::get);
                let edits = Edits {
                    title: changes.title.map(NonBlank::into_inner),
                    phase: changes.phase,
                    mode: changes.mode,
                    admission: changes.admission,
                    requires_senior_leader_agreement: changes.requires_senior_leader_agreement,
                    capacity: new_capacity,
                    eoi_deadline: changes.eoi_deadline.map(Timestamp::get),
                    venue: changes.venue.map(|venue| venue.into_columns()),
                    description: changes.description.map(|text| text.into_inner()),
                };
                let fields = edits.applied_to(&group)?;
                let change = lifecycle::edited(&group.facts, new_capacity)?;
                let leads = match changes.leads {
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

/// The fields an edit sets, parsed; those left out stay as they are.
struct Edits {
    title: Option<String>,
    phase: Option<ProgrammePhase>,
    mode: Option<DeliveryMode>,
    admission: Option<Admission>,
    requires_senior_leader_agreement: Option<bool>,
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
            requires_senior_leader_agreement: self
                .requires_senior_leader_agreement
                .unwrap_or(current.requires_senior_leader_agreement),
            eoi_deadline: self.eoi_deadline.or(current.eoi_deadline),
            venue_name,
            venue_address,
            venue_postcode,
            description: self.description.unwrap_or(current.description),
        })
    }
}

/// The leads replacing the group's: enabled leads of its hub (`check_leads`), at least one
/// once the group has opened (409).
async fn replacement_leads(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    leads: Vec<LeadInput>,
) -> Result<Vec<(uuid::Uuid, LeadRole)>, ApiError> {
    let leads = check_leads(conn, group.hub_id, leads).await?;
    lifecycle::check_leads(group.facts.status, leads.len())?;
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
                let change = lifecycle::by_hand(&group.facts, transition, Utc::now())?;
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
    write: Write<ReasonForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let reason = || {
        let Cancellation { reason } = Cancellation::try_from(write.body()?)?;
        Ok(Some(reason.into_inner()))
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
