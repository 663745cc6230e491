//! Running the catalogue of projects: national admins create Network Collaborative Projects
//! and change them. Eligibility and pathway rules are in `domain::pathway`; what can no
//! longer change once work groups deliver a project answers 409 naming the rule. Every change
//! is audited with the project as it was and as it became.

use actix_web::{HttpResponse, patch, post, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::projects::read::Project;
use crate::api::reference_data::may_change;
use crate::auth::Caller;
use crate::db::project_writes::{self as writes, ProjectFields};
use crate::db::{DbPool, audit, projects as reads};
use crate::domain::{
    AcademicYear, BoundedText, NonBlank, NoticeDays, Pence, Percent, ProgrammePhase, ProjectCode,
    ProjectKind, RoleInSchool, SchoolPhase, SessionDays, pathway,
};
use crate::error::{ApiError, FieldError};
use crate::http::body::Shown;
use crate::http::extract::paging::FieldErrors;
use crate::http::middleware::etag::require_current;
use crate::http::parse::{nullable, parse_path, set_if_sent};
use crate::http::read;
use crate::http::write::{Answer, Write};

const TAG: &str = "Projects";
/// Outlines and expectations run to a few paragraphs.
type ProjectText = BoundedText<10_000>;

/// Who may take part. In a change, what is left out stays, and `requires_completed: null`
/// clears it.
#[derive(Debug, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityInput {
    /// Roles in school that may take part; empty when any may.
    #[schema(max_items = 7)]
    pub roles_allowed: Option<Vec<RoleInSchool>>,
    /// Roles in school that may not; none of them may also be allowed.
    #[schema(max_items = 7)]
    pub roles_excluded: Option<Vec<RoleInSchool>>,
    /// GIAS phases of the schools it is for; empty when any.
    #[schema(max_items = 8)]
    pub school_phases: Option<Vec<SchoolPhase>>,
    #[schema(schema_with = requires_completed)]
    pub requires_completed: Option<Option<ProjectCode>>,
}

/// `requires_completed`, shown as `null` in examples: most projects require none.
fn requires_completed() -> Shown {
    Shown::value::<ProjectCode>(serde_json::Value::Null)
        .optional()
        .described(
            "The code of a project of an earlier academic year that participants must have\ncompleted first.",
        )
}

/// `EligibilityInput` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "EligibilityInput", deny_unknown_fields)]
struct EligibilityForm {
    roles_allowed: Option<Vec<String>>,
    roles_excluded: Option<Vec<String>>,
    school_phases: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    requires_completed: Option<Option<String>>,
}

impl EligibilityInput {
    /// Parses every field sent, recording each bad one in `errors`.
    fn parse(form: EligibilityForm, errors: &mut FieldErrors) -> Self {
        let roles = RoleInSchool::ALL.len();
        Self {
            roles_allowed: errors.parse_each(
                "eligibility.roles_allowed",
                form.roles_allowed,
                roles,
                RoleInSchool::parse,
            ),
            roles_excluded: errors.parse_each(
                "eligibility.roles_excluded",
                form.roles_excluded,
                roles,
                RoleInSchool::parse,
            ),
            school_phases: errors.parse_each(
                "eligibility.school_phases",
                form.school_phases,
                SchoolPhase::ALL.len(),
                SchoolPhase::parse,
            ),
            requires_completed: errors.parse_nullable(
                "eligibility.requires_completed",
                form.requires_completed,
                ProjectCode::parse,
            ),
        }
    }
}

/// A new Network Collaborative Project. Amounts are integer pence (GBP); left out, they are 0.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "NCP21-15", "kind": "national", "title": "Secondary Subject Leadership",
    "academic_year": "2021/22", "phases": ["secondary"],
    "outline": "This new project offers focused support to secondary heads of department/subject leaders, to enable them to better understand and implement teaching for mastery approaches across their department.",
    "eligibility": {"roles_allowed": ["head_of_department"], "roles_excluded": ["prospective_head_of_department"],
                    "school_phases": ["secondary", "all_through"], "requires_completed": null},
    "length": "the equivalent of three days", "cost_pence": 0,
    "non_attendance_fee_pence": 7500, "cancellation_notice_days": 7, "session_days": 1,
    "participation_min_percent": null,
    "expectations": "Participants and their schools must be able to commit to the full academic year's programme.",
    "follows": null
}))]
pub struct NewProject {
    /// Unique, such as NCP21-15; the key in `/projects/{code}`, never changed.
    #[schema(inline)]
    pub code: ProjectCode,
    pub kind: ProjectKind,
    #[schema(inline)]
    pub title: NonBlank,
    /// Such as 2021/22.
    #[schema(inline)]
    pub academic_year: AcademicYear,
    /// The programme phases it serves: at least one.
    #[schema(min_items = 1, max_items = 4)]
    pub phases: Vec<ProgrammePhase>,
    #[schema(inline)]
    pub outline: Option<ProjectText>,
    pub eligibility: Option<EligibilityInput>,
    /// How long it runs, in words.
    #[schema(inline)]
    pub length: Option<NonBlank>,
    /// Cost to a school in pence; 0 when fully funded.
    #[schema(inline)]
    pub cost_pence: Option<Pence>,
    /// Charged per session missed without due notice, in pence.
    #[schema(inline)]
    pub non_attendance_fee_pence: Option<Pence>,
    /// London calendar days of notice (0 to 365): apologies or a withdrawal on or before the
    /// London date this many days before a session's London date are free, later ones are
    /// charged.
    #[schema(inline)]
    pub cancellation_notice_days: Option<NoticeDays>,
    /// How many calendar days (in London) one session may span, 1 to 7; left out, 1: a
    /// session starts and ends on the same day.
    #[schema(inline)]
    pub session_days: Option<SessionDays>,
    /// The share of a group's sessions (1 to 100 percent) a participant must attend to
    /// complete; left out or `null`: present at one session at least.
    #[schema(inline)]
    pub participation_min_percent: Option<Percent>,
    #[schema(inline)]
    pub expectations: Option<ProjectText>,
    /// The code of the project, of an earlier academic year, this one continues.
    #[schema(inline)]
    pub follows: Option<ProjectCode>,
}

/// `NewProject` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewProject", deny_unknown_fields)]
pub struct NewProjectForm {
    code: String,
    kind: String,
    title: String,
    academic_year: String,
    phases: Vec<String>,
    outline: Option<String>,
    eligibility: Option<EligibilityForm>,
    length: Option<String>,
    cost_pence: Option<i64>,
    non_attendance_fee_pence: Option<i64>,
    cancellation_notice_days: Option<i64>,
    session_days: Option<i64>,
    participation_min_percent: Option<i64>,
    expectations: Option<String>,
    follows: Option<String>,
}

impl NewProjectForm {
    /// The code, and every other field as a change that sets it.
    fn split(self) -> (String, ProjectChangesForm) {
        let changes = ProjectChangesForm {
            kind: Some(self.kind),
            title: Some(self.title),
            academic_year: Some(self.academic_year),
            phases: Some(self.phases),
            outline: self.outline,
            eligibility: self.eligibility,
            length: self.length.map(Some),
            cost_pence: self.cost_pence,
            non_attendance_fee_pence: self.non_attendance_fee_pence,
            cancellation_notice_days: self.cancellation_notice_days,
            session_days: self.session_days,
            participation_min_percent: self.participation_min_percent.map(Some),
            expectations: self.expectations,
            follows: self.follows.map(Some),
        };
        (self.code, changes)
    }
}

impl TryFrom<NewProjectForm> for NewProject {
    type Error = ApiError;

    fn try_from(form: NewProjectForm) -> Result<Self, ApiError> {
        let (code, changes) = form.split();
        let mut errors = FieldErrors::default();
        let code = errors.parse("code", Some(code), ProjectCode::parse);
        let changes = ProjectChanges::parse(changes, &mut errors);
        errors.finish(|| {
            Some(Self {
                code: code?,
                kind: changes.kind?,
                title: changes.title?,
                academic_year: changes.academic_year?,
                phases: changes.phases?,
                outline: changes.outline,
                eligibility: changes.eligibility,
                length: changes.length.flatten(),
                cost_pence: changes.cost_pence,
                non_attendance_fee_pence: changes.non_attendance_fee_pence,
                cancellation_notice_days: changes.cancellation_notice_days,
                session_days: changes.session_days,
                participation_min_percent: changes.participation_min_percent.flatten(),
                expectations: changes.expectations,
                follows: changes.follows.flatten(),
            })
        })
    }
}

impl NewProject {
    /// The code, the project's fields (defaults for what was left out) and the projects it
    /// refers to, not yet resolved.
    fn into_parts(self) -> (ProjectCode, ProjectFields, References) {
        let eligibility = self.eligibility.unwrap_or_default();
        let references = References {
            requires_completed: eligibility
                .requires_completed
                .flatten()
                .map(ProjectCode::into_inner),
            follows: self.follows.map(ProjectCode::into_inner),
        };
        let fields = ProjectFields {
            kind: self.kind,
            title: self.title.into_inner(),
            academic_year: self.academic_year.into_inner(),
            phases: self.phases,
            outline: self
                .outline
                .map(ProjectText::into_inner)
                .unwrap_or_default(),
            roles_allowed: eligibility.roles_allowed.unwrap_or_default(),
            roles_excluded: eligibility.roles_excluded.unwrap_or_default(),
            school_phases: eligibility.school_phases.unwrap_or_default(),
            requires_completed_id: None,
            length: self.length.map(NonBlank::into_inner),
            cost_pence: self.cost_pence.map_or(0, Pence::get),
            non_attendance_fee_pence: self.non_attendance_fee_pence.map_or(0, Pence::get),
            cancellation_notice_days: self.cancellation_notice_days.map_or(0, NoticeDays::get),
            session_days: self.session_days.map_or(1, SessionDays::get),
            participation_min_percent: self.participation_min_percent.map(Percent::get),
            expectations: self
                .expectations
                .map(ProjectText::into_inner)
                .unwrap_or_default(),
            follows_id: None,
        };
        (self.code, fields, references)
    }
}

/// Changes to a project; what is left out stays, and `null` clears `length`, `follows` or
/// `eligibility.requires_completed`. The code never changes.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"non_attendance_fee_pence": 8000, "eligibility": {"school_phases": ["secondary", "all_through", "middle_deemed_secondary"]}}))]
pub struct ProjectChanges {
    pub kind: Option<ProjectKind>,
    #[schema(inline)]
    pub title: Option<NonBlank>,
    /// Fixed once work groups deliver the project.
    #[schema(inline)]
    pub academic_year: Option<AcademicYear>,
    /// A phase a work group of the project serves stays; at least one.
    #[schema(min_items = 1, max_items = 4)]
    pub phases: Option<Vec<ProgrammePhase>>,
    #[schema(inline)]
    pub outline: Option<ProjectText>,
    pub eligibility: Option<EligibilityInput>,
    #[schema(inline)]
    pub length: Option<Option<NonBlank>>,
    #[schema(inline)]
    pub cost_pence: Option<Pence>,
    #[schema(inline)]
    pub non_attendance_fee_pence: Option<Pence>,
    #[schema(inline)]
    pub cancellation_notice_days: Option<NoticeDays>,
    /// Sessions already planned keep their times.
    #[schema(inline)]
    pub session_days: Option<SessionDays>,
    /// `null` restores the default rule: present at one session at least.
    #[schema(inline)]
    pub participation_min_percent: Option<Option<Percent>>,
    #[schema(inline)]
    pub expectations: Option<ProjectText>,
    #[schema(inline)]
    pub follows: Option<Option<ProjectCode>>,
}

/// `ProjectChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "ProjectChanges", deny_unknown_fields)]
pub struct ProjectChangesForm {
    kind: Option<String>,
    title: Option<String>,
    academic_year: Option<String>,
    phases: Option<Vec<String>>,
    outline: Option<String>,
    eligibility: Option<EligibilityForm>,
    #[serde(default, deserialize_with = "nullable")]
    length: Option<Option<String>>,
    cost_pence: Option<i64>,
    non_attendance_fee_pence: Option<i64>,
    cancellation_notice_days: Option<i64>,
    session_days: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    participation_min_percent: Option<Option<i64>>,
    expectations: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    follows: Option<Option<String>>,
}

impl TryFrom<ProjectChangesForm> for ProjectChanges {
    type Error = ApiError;

    fn try_from(form: ProjectChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let changes = Self::parse(form, &mut errors);
        errors.finish(|| Some(changes))
    }
}

fn some_phases(
    phases: Vec<ProgrammePhase>,
    errors: &mut FieldErrors,
) -> Option<Vec<ProgrammePhase>> {
    if phases.is_empty() {
        errors.push("phases", "must name at least one programme phase");
        return None;
    }
    Some(phases)
}

impl ProjectChanges {
    /// Parses every field sent, recording each bad one in `errors`.
    fn parse(form: ProjectChangesForm, errors: &mut FieldErrors) -> Self {
        Self {
            kind: errors.parse("kind", form.kind, ProjectKind::parse),
            title: errors.parse("title", form.title, NonBlank::parse),
            academic_year: errors.parse("academic_year", form.academic_year, AcademicYear::parse),
            phases: errors
                .parse_each(
                    "phases",
                    form.phases,
                    ProgrammePhase::ALL.len(),
                    ProgrammePhase::parse,
                )
                .and_then(|phases| some_phases(phases, errors)),
            outline: errors.parse("outline", form.outline, ProjectText::parse),
            eligibility: form
                .eligibility
                .map(|eligibility| EligibilityInput::parse(eligibility, errors)),
            length: errors.parse_nullable("length", form.length, NonBlank::parse),
            cost_pence: errors.check("cost_pence", form.cost_pence, Pence::parse),
            non_attendance_fee_pence: errors.check(
                "non_attendance_fee_pence",
                form.non_attendance_fee_pence,
                Pence::parse,
            ),
            cancellation_notice_days: errors.check(
                "cancellation_notice_days",
                form.cancellation_notice_days,
                NoticeDays::parse,
            ),
            session_days: errors.check("session_days", form.session_days, SessionDays::parse),
            participation_min_percent: form
                .participation_min_percent
                .map(|share| errors.check("participation_min_percent", share, Percent::parse)),
            expectations: errors.parse("expectations", form.expectations, ProjectText::parse),
            follows: errors.parse_nullable("follows", form.follows, ProjectCode::parse),
        }
    }

    /// Sets what was sent on `fields` and `references`.
    fn apply_to(self, fields: &mut ProjectFields, references: &mut References) {
        set_if_sent(&mut fields.kind, self.kind);
        set_if_sent(&mut fields.title, self.title.map(NonBlank::into_inner));
        set_if_sent(
            &mut fields.academic_year,
            self.academic_year.map(AcademicYear::into_inner),
        );
        set_if_sent(&mut fields.phases, self.phases);
        set_if_sent(
            &mut fields.outline,
            self.outline.map(ProjectText::into_inner),
        );
        if let Some(eligibility) = self.eligibility {
            set_if_sent(&mut fields.roles_allowed, eligibility.roles_allowed);
            set_if_sent(&mut fields.roles_excluded, eligibility.roles_excluded);
            set_if_sent(&mut fields.school_phases, eligibility.school_phases);
            set_if_sent(
                &mut references.requires_completed,
                eligibility
                    .requires_completed
                    .map(|code| code.map(ProjectCode::into_inner)),
            );
        }
        set_if_sent(
            &mut fields.length,
            self.length.map(|length| length.map(NonBlank::into_inner)),
        );
        set_if_sent(&mut fields.cost_pence, self.cost_pence.map(Pence::get));
        set_if_sent(
            &mut fields.non_attendance_fee_pence,
            self.non_attendance_fee_pence.map(Pence::get),
        );
        set_if_sent(
            &mut fields.cancellation_notice_days,
            self.cancellation_notice_days.map(NoticeDays::get),
        );
        set_if_sent(
            &mut fields.session_days,
            self.session_days.map(SessionDays::get),
        );
        set_if_sent(
            &mut fields.participation_min_percent,
            self.participation_min_percent
                .map(|share| share.map(Percent::get)),
        );
        set_if_sent(
            &mut fields.expectations,
            self.expectations.map(ProjectText::into_inner),
        );
        set_if_sent(
            &mut references.follows,
            self.follows.map(|code| code.map(ProjectCode::into_inner)),
        );
    }
}

/// The projects a project refers to, by code.
#[derive(Debug, Default)]
struct References {
    requires_completed: Option<String>,
    follows: Option<String>,
}

/// Checks the rules a project keeps with others (every broken one named at once) and sets
/// the ids of the projects it refers to. Those are share-locked, so their academic year
/// cannot change before this write commits.
async fn check_and_link(
    conn: &mut AsyncPgConnection,
    fields: &mut ProjectFields,
    references: &References,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let both = pathway::roles_in_both(&fields.roles_allowed, &fields.roles_excluded);
    if !both.is_empty() {
        let both: Vec<&str> = both.iter().map(|role| role.as_str()).collect();
        errors.push(FieldError::new(
            "eligibility.roles_excluded",
            format!(
                "must not name a role that is also allowed: {}",
                both.join(", ")
            ),
        ));
    }
    let year = AcademicYear::parse(&fields.academic_year).map_err(ApiError::internal)?;
    let mut link =
        async |field: &str, code: Option<&String>| -> Result<Option<uuid::Uuid>, ApiError> {
            let Some(code) = code else { return Ok(None) };
            let Some((id, referred_year)) = writes::referred(conn, code).await? else {
                errors.push(FieldError::new(
                    field,
                    format!("no project has the code {code}"),
                ));
                return Ok(None);
            };
            let referred_year = AcademicYear::parse(&referred_year).map_err(ApiError::internal)?;
            if let Err(error) = pathway::check_earlier(code, &referred_year, &year) {
                errors.push(FieldError::new(field, error.0));
            }
            Ok(Some(id))
        };
    fields.requires_completed_id = link(
        "eligibility.requires_completed",
        references.requires_completed.as_ref(),
    )
    .await?;
    fields.follows_id = link("follows", references.follows.as_ref()).await?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(errors))
    }
}

/// What can no longer change once work groups deliver the project, or once later projects
/// require or follow it: each broken rule answers 409.
async fn check_dependants(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    before: &ProjectFields,
    after: &ProjectFields,
) -> Result<(), ApiError> {
    let year_changes = before.academic_year != after.academic_year;
    let phases_dropped: Vec<ProgrammePhase> = before
        .phases
        .iter()
        .filter(|phase| !after.phases.contains(phase))
        .copied()
        .collect();
    if year_changes || !phases_dropped.is_empty() {
        let groups = writes::work_groups(conn, id).await?;
        if year_changes && !groups.is_empty() {
            let codes: Vec<&str> = groups.iter().map(|(code, _)| code.as_str()).collect();
            return Err(ApiError::Conflict(format!(
                "Work groups deliver this project in {} ({}): its academic year can no longer change.",
                before.academic_year,
                codes.join(", ")
            )));
        }
        if let Some((code, phase)) = groups
            .iter()
            .find(|(_, phase)| phases_dropped.contains(phase))
        {
            return Err(ApiError::Conflict(format!(
                "Work group {code} serves the {phase} phase: the project must keep it."
            )));
        }
    }
    if year_changes {
        let year = AcademicYear::parse(&after.academic_year).map_err(ApiError::internal)?;
        for (code, later) in writes::referring(conn, id).await? {
            let later = AcademicYear::parse(&later).map_err(ApiError::internal)?;
            if pathway::check_earlier(&code, &year, &later).is_err() {
                return Err(ApiError::Conflict(format!(
                    "{code} requires or follows this project and is of {later}: this project's academic year must stay before it."
                )));
            }
        }
    }
    Ok(())
}

/// The project as `GET /projects/{code}` shows it.
async fn current(conn: &mut AsyncPgConnection, code: &ProjectCode) -> Result<Project, ApiError> {
    read::found(conn, "Project", code, reads::find).await
}

/// Create a project
///
/// Adds a Network Collaborative Project to the catalogue: for national admins. A role in
/// school cannot be both allowed and excluded; the project it requires
/// (`eligibility.requires_completed`) and the one it follows (`follows`) must exist and be
/// of an earlier academic year, so pathways never loop. A code already in use answers 409.
#[utoipa::path(
    tag = TAG,
    request_body = NewProject,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Project,
         headers(("Location" = String, description = "The new project's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/projects")]
pub async fn create_project(
    caller: Caller,
    write: Write<NewProjectForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_change(&caller, "Project"),
            async |conn, (), form| {
                let (code, mut fields, references) = NewProject::try_from(form)?.into_parts();
                check_and_link(conn, &mut fields, &references).await?;
                writes::insert(conn, code.as_str(), &fields).await?;
                let view = current(conn, &code).await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "project.created",
                    "project",
                    code.as_str(),
                    serde_json::json!({"after": view}),
                )
                .await?;
                Answer::created(format!("/api/v1/projects/{code}"), &view)
            },
        )
        .await
}

/// Update a project
///
/// Changes a project; fields left out stay, and `null` clears `length`, `follows` or
/// `eligibility.requires_completed`. For national admins. The rules of creating one apply to
/// the result. Once work groups deliver the project its academic year is fixed, and a phase
/// one of them serves stays (409); nor can its academic year move to or after that of a
/// project requiring or following it (409). Send the `ETag` of your copy in `If-Match` to
/// refuse the change (412) if someone changed the project since.
#[utoipa::path(
    tag = TAG,
    params(
        ("code" = String, Path, description = "Project code", example = "NCP21-15"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = ProjectChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed project", body = Project),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/projects/{code}")]
pub async fn update_project(
    caller: Caller,
    path: web::Path<String>,
    write: Write<ProjectChangesForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                may_change(&caller, "Project")?;
                parse_path("code", &path, ProjectCode::parse)
            },
            async |conn, code, form| {
                let changes = ProjectChanges::try_from(form)?;
                let (id, before_fields) = writes::lock(conn, code.as_str())
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("Project {code}")))?;
                let before = current(conn, &code).await?;
                if let Some(if_match) = write.if_match()? {
                    require_current(if_match, &before, format_args!("Project {code}"))?;
                }
                let mut fields = before_fields.clone();
                let mut references = References {
                    requires_completed: before.eligibility.requires_completed.clone(),
                    follows: before.follows.clone(),
                };
                changes.apply_to(&mut fields, &mut references);
                check_and_link(conn, &mut fields, &references).await?;
                check_dependants(conn, id, &before_fields, &fields).await?;
                writes::update(conn, id, &fields).await?;
                let after = current(conn, &code).await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "project.updated",
                    "project",
                    code.as_str(),
                    serde_json::json!({"before": before, "after": after}),
                )
                .await?;
                Answer::ok(&after)
            },
        )
        .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(create_project).service(update_project);
}
