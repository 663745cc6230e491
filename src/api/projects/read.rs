//! `/projects`: Network Collaborative Projects, with who may take part and the fee policy.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::DbPool;
use crate::db::projects::{self as queries, ProjectFilter, ProjectRow};
use crate::domain::{
    AcademicYear, ProgrammePhase, ProjectCode, ProjectKind, RoleInSchool, SchoolPhase,
};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::parse_path;
use crate::http::read;

const TAG: &str = "Projects";

/// The currency of every amount: money is integer pence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum Currency {
    #[serde(rename = "GBP")]
    Gbp,
}

/// Who can take part in a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct Eligibility {
    /// Roles in school that may take part; empty when any may.
    pub roles_allowed: Vec<RoleInSchool>,
    /// Roles in school that may not.
    pub roles_excluded: Vec<RoleInSchool>,
    /// GIAS phases of the schools it is for; empty when any.
    pub school_phases: Vec<SchoolPhase>,
    /// The code of a project a participant must have completed first.
    #[schema(example = json!(null))]
    pub requires_completed: Option<String>,
}

/// A Network Collaborative Project.
#[derive(Debug, Serialize, ToSchema)]
pub struct Project {
    pub id: uuid::Uuid,
    #[schema(example = "NCP21-15")]
    pub code: String,
    pub kind: ProjectKind,
    #[schema(example = "Secondary Subject Leadership")]
    pub title: String,
    #[schema(example = "2021/22")]
    pub academic_year: String,
    /// The programme phases it serves.
    pub phases: Vec<ProgrammePhase>,
    pub outline: String,
    pub eligibility: Eligibility,
    #[schema(example = "the equivalent of three days")]
    pub length: Option<String>,
    /// Cost to a school in pence; 0 when fully funded.
    #[schema(example = 0)]
    pub cost_pence: i32,
    /// Charged per session missed without due notice, in pence.
    #[schema(example = 7500)]
    pub non_attendance_fee_pence: i32,
    /// London calendar days of notice: apologies or a withdrawal on or before the London date
    /// this many days before a session's London date are free, later ones are charged.
    #[schema(example = 7)]
    pub cancellation_notice_days: i32,
    /// How many calendar days (in London) one session may span: 1, the same day.
    #[schema(example = 1)]
    pub session_days: i16,
    /// The share of a group's sessions (percent) a participant must attend for their
    /// enrolment to count as completed; `null`: present at one session at least.
    #[schema(example = json!(null))]
    pub participation_min_percent: Option<i16>,
    /// The currency of the amounts above.
    pub currency: Currency,
    pub expectations: String,
    /// The code of the project this one continues.
    #[schema(example = json!(null))]
    pub follows: Option<String>,
}

impl From<ProjectRow> for Project {
    fn from(row: ProjectRow) -> Self {
        Self {
            id: row.id,
            code: row.code,
            kind: row.kind,
            title: row.title,
            academic_year: row.academic_year,
            phases: row.phases,
            outline: row.outline,
            eligibility: Eligibility {
                roles_allowed: row.roles_allowed,
                roles_excluded: row.roles_excluded,
                school_phases: row.school_phases,
                requires_completed: row.requires_completed_code,
            },
            length: row.length,
            cost_pence: row.cost_pence,
            non_attendance_fee_pence: row.non_attendance_fee_pence,
            cancellation_notice_days: row.cancellation_notice_days,
            session_days: row.session_days,
            participation_min_percent: row.participation_min_percent,
            currency: Currency::Gbp,
            expectations: row.expectations,
            follows: row.follows_code,
        }
    }
}

/// Filters of `GET /projects`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Only projects of this academic year.
    #[param(value_type = Option<String>, example = "2021/22")]
    academic_year: Option<String>,
    /// Only projects serving this programme phase (among others).
    #[param(value_type = Option<ProgrammePhase>)]
    phase: Option<String>,
    /// Only projects of this kind.
    #[param(value_type = Option<ProjectKind>)]
    kind: Option<String>,
    /// Part of the title, any case.
    #[param(example = "mastery")]
    q: Option<String>,
}

impl Filters for ProjectFilter {
    type Raw = ProjectQuery;

    fn parse(raw: ProjectQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            academic_year: errors.parse("academic_year", raw.academic_year, AcademicYear::parse),
            phase: errors.parse("phase", raw.phase, ProgrammePhase::parse),
            kind: errors.parse("kind", raw.kind, ProjectKind::parse),
            q: errors.parse("q", raw.q, crate::http::parse::non_empty),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type ProjectList = ListQuery<ProjectFilter, String>;

/// List projects
///
/// Network Collaborative Projects in code order, with their eligibility rules and fee policy.
/// Amounts are integer pence in `currency`.
#[utoipa::path(
    tag = TAG,
    params(ProjectList),
    responses(
        (status = 200, description = "One page of projects", body = Page<Project>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ListErrors,
    )
)]
#[get("/projects")]
pub async fn list_projects(
    request: HttpRequest,
    query: ProjectList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    query
        .respond(&request, &pool, queries::list, |project: &Project| {
            project.code.clone()
        })
        .await
}

/// Get a project
///
/// One project by its code, such as `NCP21-15`.
#[utoipa::path(
    tag = TAG,
    params(("code" = String, Path, description = "Project code", example = "NCP21-15")),
    responses(
        (status = 200, description = "The project", body = Project, headers(("ETag" = String))),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/projects/{code}")]
pub async fn get_project(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Project>, ApiError> {
    let code = parse_path("code", &path, ProjectCode::parse)?;
    read::by_key(&pool, "Project", &code, queries::find).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(list_projects).service(get_project);
}
