//! The reach report (SPEC §2 "Reach / participation"): for one academic year, per hub, the
//! schools signed up and participating and the people behind them, split by local
//! authority, school phase, project and referring Teaching School Hub, with the share of
//! each covered authority's open schools reached; as JSON, or as a table for spreadsheets
//! (`api::reach::table`). Counts only: no school or person is named, to anyone.
//!
//! Who reads which part is the policy's (`policy::report_scope`); the counting rules are
//! `domain::reach` and `domain::participation`, stated in words in every answer.

use std::collections::{BTreeMap, HashMap};
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, web};
use diesel_async::AsyncPgConnection;

use crate::api::reach::table;
use crate::api::reach::views::{
    HubReach, LocalAuthorityReach, ProjectReach, RULES, ReachReport, ReferrerReach,
    ReportScopeView, SchoolPhaseReach, ScopeKind,
};
use crate::api::refs::{HubRef, LocalAuthorityRef, ProjectRef, TeachingSchoolHubRef};
use crate::auth::Caller;
use crate::auth::policy::{Refusal, UNKNOWN_HUB, report_scope};
use crate::db::DbPool;
use crate::db::reach::{self as queries, CoverRow, HubRow, ProjectRow};
use crate::domain::reach::{Counts, HubTally, Reach, Referrer, Split, share_percent};
use crate::domain::scope::ReportScope;
use crate::domain::{AcademicYear, ProgrammeYear, SchoolPhase, Slug};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::negotiation;
use crate::http::extract::paging::{FieldErrors, decode_pairs};
use crate::http::parse::named_hub;

const TAG: &str = "Reports";

/// The report's query: `academic_year` (required) and `hub` (optional). Anything else, or
/// either given twice, is refused by name, every problem at once.
#[derive(Debug)]
pub struct ReachQuery {
    academic_year: AcademicYear,
    hub: Option<Slug>,
}

impl ReachQuery {
    fn parse(query_string: &str) -> Result<Self, ApiError> {
        let pairs = decode_pairs(query_string)?;
        let mut errors = FieldErrors::default();
        let (mut year, mut hub) = (None, None);
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "academic_year" => &mut year,
                "hub" => &mut hub,
                _ => {
                    errors.push(
                        &name,
                        "is not a query parameter of this report (it takes academic_year and hub)",
                    );
                    continue;
                }
            };
            if slot.replace(value).is_some() {
                errors.push(&name, "is given more than once");
            }
        }
        if year.is_none() {
            errors.push("academic_year", "is required, such as 2021/22");
        }
        let academic_year = errors.parse("academic_year", year, |text| {
            ProgrammeYear::parse(text).map(ProgrammeYear::into_inner)
        });
        let hub = errors.parse("hub", hub, Slug::parse);
        errors.into_result()?;
        academic_year
            .map(|academic_year| Self { academic_year, hub })
            .ok_or_else(|| ApiError::invalid("academic_year", "is required, such as 2021/22"))
    }
}

impl FromRequest for ReachQuery {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(request.query_string()))
    }
}

/// Reach report (JSON, or CSV for spreadsheets)
///
/// For one academic year, per hub: the schools **signed up** (an enrolment from the school
/// was accepted at some point) and **participating** (an accepted participant from it was
/// present at no less than the project's share of the group's sessions, by default one),
/// the participants behind them, split by the schools' education authority (a school in a
/// district counts under its county), school phase, project and referring Teaching School
/// Hub (`null`: none), with totals, and for each authority the hub covers the share of its
/// open schools signed up. Every answer states these rules in full in `rules`, and what it
/// covers in `scope`.
///
/// Who reads what: national admins every hub (or the one named in `hub`); hub managers
/// their own hub; leads only the work groups they lead; partners (Teaching School Hubs)
/// the schools of their area, across the hubs serving it or that its schools signed up
/// with (or the hub named). Naming a hub beyond one's reach, or being a participant,
/// answers 403. Counts only: no school or person is named to anyone. Counts are exact, not
/// suppressed when small, so a partner can tell that, say, one school of an authority
/// signed up.
///
/// With `Accept: text/csv` the same figures come as one table: one line per hub ×
/// dimension × value (`dimension` is `total`, `local_authority`, `school_phase`,
/// `project` or `referrer`; an unreferred line has `value` `none`), and a last line with an
/// empty `hub` holding the totals across hubs; `reach_percent` has one decimal place.
/// JSON is the answer when `Accept` is absent or ranks both alike; 406 when it names
/// neither. A malformed `academic_year`, or one before 2014/15, answers 400; a year with
/// no work groups answers zeros.
#[utoipa::path(
    tag = TAG,
    params(
        ("academic_year" = String, Query, description = "The academic year, such as `2021/22` (2014/15 or later)", example = "2021/22"),
        ("hub" = Option<String>, Query, description = "Only this hub (slug): any hub for admins, their own for hub managers and leads, any for partners (still only their area's schools)", example = "london-central-and-west"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report (JSON), or the same figures as a table (CSV)",
         content(
             (ReachReport = "application/json"),
             (String = "text/csv", example = json!(table::EXAMPLE)),
         ),
         headers(
             ("Content-Disposition" = String, description = "CSV: `attachment; filename=\"reach-2021-22.csv\"` (with the hub's slug when one is named)"),
             ("Vary" = String, description = "`Accept`"),
             ("ETag" = String),
         )),
        (status = 406, response = crate::http::problems::NotAcceptable),
        crate::http::problems::ProtectedListErrors,
        (status = 422, response = crate::http::problems::Unprocessable),
    )
)]
#[get("/reports/reach")]
pub async fn reach_report(
    caller: Caller,
    request: HttpRequest,
    query: Deferred<ReachQuery>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let refused = |refusal: Refusal| refusal.into_error("The report");
    report_scope(&caller, None).map_err(refused)?;
    let query = query.take()?;
    let as_csv = negotiation::wants_csv(&request)?;
    let mut conn = pool.get().await?;
    let hub_id = match &query.hub {
        Some(slug) => Some(named_hub(&mut conn, slug.as_str()).await?),
        None => None,
    };
    let scope = report_scope(&caller, hub_id).map_err(refused)?;
    if let (Some(UNKNOWN_HUB), Some(slug)) = (hub_id, &query.hub) {
        return Err(ApiError::unprocessable(
            "hub",
            format!("no hub has the slug {slug}"),
        ));
    }
    let report = ReachReport::load(&conn, &query.academic_year, &scope).await?;
    let response = if as_csv {
        table::response(&report, query.hub.as_ref())?
    } else {
        HttpResponse::Ok().json(report)
    };
    Ok(negotiation::varies_by_accept(response))
}

/// The names the figures are shown with, besides those of projects: the authorities
/// schools came from (any hub's cover names them, the rest are looked up), and Teaching
/// School Hubs.
struct Names {
    authorities: HashMap<String, String>,
    teaching_school_hubs: HashMap<uuid::Uuid, TeachingSchoolHubRef>,
}

impl Names {
    /// The names of what was counted, and of a partner's own Teaching School Hub (for the
    /// scope): the authorities no cover names and the referrers are looked up (pipelined).
    async fn load(
        conn: &AsyncPgConnection,
        reach: &Reach<'_>,
        covers: &[CoverRow],
        scope: &ReportScope,
    ) -> diesel::QueryResult<Self> {
        let splits = || reach.hubs.values().flat_map(|hub| hub.splits.keys());
        let mut unnamed_authorities: Vec<&str> = splits()
            .filter_map(|split| match split {
                Split::LocalAuthority(code) => Some(*code),
                _ => None,
            })
            .filter(|code| !covers.iter().any(|cover| cover.gss_code == *code))
            .collect();
        unnamed_authorities.sort_unstable();
        unnamed_authorities.dedup();
        let mut teaching_school_hubs: Vec<uuid::Uuid> = splits()
            .filter_map(|split| match split {
                Split::Referrer(Referrer::TeachingSchoolHub(id)) => Some(*id),
                _ => None,
            })
            .collect();
        if let ReportScope::PartnerArea {
            teaching_school_hub_id,
            ..
        } = *scope
        {
            teaching_school_hubs.push(teaching_school_hub_id);
        }
        teaching_school_hubs.sort_unstable();
        teaching_school_hubs.dedup();
        let (authorities, tshs) = tokio::try_join!(
            queries::authority_names(conn, &unnamed_authorities),
            queries::teaching_school_hub_names(conn, &teaching_school_hubs),
        )?;
        let covered = covers
            .iter()
            .map(|cover| (cover.gss_code.clone(), cover.name.clone()));
        Ok(Self {
            authorities: covered.chain(authorities).collect(),
            teaching_school_hubs: tshs
                .into_iter()
                .map(|(id, slug, name)| (id, TeachingSchoolHubRef { slug, name }))
                .collect(),
        })
    }
}

impl ReachReport {
    /// Reads and counts the report: the scope's hubs, covers, projects and enrolments in one
    /// round trip (pipelined), then the names the figures need (and any hub a partner's
    /// schools signed up with beyond those serving its area) in a second.
    async fn load(
        conn: &AsyncPgConnection,
        year: &AcademicYear,
        scope: &ReportScope,
    ) -> Result<Self, ApiError> {
        let led_work_groups = async {
            match *scope {
                ReportScope::LedBy { lead_id, hub_id } => {
                    queries::led_work_groups(conn, year, lead_id, hub_id)
                        .await
                        .map(Some)
                }
                _ => Ok(None),
            }
        };
        let (hubs, covers, projects, engagements, led_work_groups) = tokio::try_join!(
            queries::hubs(conn, year, scope),
            queries::covers(conn, year, scope),
            queries::projects(conn, year, scope),
            queries::engagements(conn, year, scope),
            led_work_groups,
        )?;
        let reach = Reach::count(&engagements);
        // A partner's schools may have signed up with hubs beyond those serving its area.
        let other_hubs: Vec<uuid::Uuid> = reach
            .hubs
            .keys()
            .filter(|id| !hubs.iter().any(|hub| hub.id == **id))
            .copied()
            .collect();
        let (names, other_hubs) = tokio::try_join!(
            Names::load(conn, &reach, &covers, scope),
            queries::hub_names(conn, &other_hubs),
        )?;

        let mut hubs = hubs;
        hubs.extend(other_hubs);
        hubs.sort_by(|a, b| a.slug.cmp(&b.slug));
        let hub_reports = hubs
            .iter()
            .map(|hub| hub_reach(hub, &reach, &covers, &projects, &names))
            .collect();
        Ok(Self {
            academic_year: year.as_str().to_owned(),
            scope: scope_view(scope, year, &hubs, led_work_groups, &names),
            rules: RULES,
            hubs: hub_reports,
            totals: reach.total.counts().into(),
        })
    }
}

/// One hub's part of the report: every authority it covers and any other its schools came
/// from, every project its groups deliver, and the phases and referrers counted.
fn hub_reach(
    hub: &HubRow,
    reach: &Reach<'_>,
    covers: &[CoverRow],
    projects: &[ProjectRow],
    names: &Names,
) -> HubReach {
    let counted = HubCounts(reach.hubs.get(&hub.id));
    HubReach {
        hub: HubRef {
            slug: hub.slug.clone(),
            name: hub.name.clone(),
        },
        totals: counted.total().into(),
        by_local_authority: by_local_authority(hub, counted, covers, names),
        by_school_phase: by_school_phase(counted),
        by_project: by_project(hub, counted, projects),
        by_referrer: by_referrer(counted, names),
    }
}

/// What was counted for one hub; nothing when none of its enrolments counted.
#[derive(Clone, Copy)]
struct HubCounts<'r, 'a>(Option<&'r HubTally<'a>>);

impl<'r, 'a> HubCounts<'r, 'a> {
    fn total(self) -> Counts {
        self.0.map(|tally| tally.total.counts()).unwrap_or_default()
    }

    /// The counts of one row: zeros for a row nothing was counted in.
    fn of(self, split: &Split<'_>) -> Counts {
        self.0
            .and_then(|tally| tally.splits.get(split))
            .map(|tally| tally.counts())
            .unwrap_or_default()
    }

    /// The rows counted, in their order.
    fn splits(self) -> impl Iterator<Item = &'r Split<'a>> {
        self.0.into_iter().flat_map(|tally| tally.splits.keys())
    }
}

/// The authorities the hub covers, with their open schools and the share reached, and any
/// other authority its schools came from; by GSS code.
fn by_local_authority(
    hub: &HubRow,
    counted: HubCounts<'_, '_>,
    covers: &[CoverRow],
    names: &Names,
) -> Vec<LocalAuthorityReach> {
    let mut authorities: BTreeMap<&str, (String, Option<usize>)> = covers
        .iter()
        .filter(|cover| cover.hub_id == hub.id)
        .map(|cover| {
            let open = usize::try_from(cover.open_schools).unwrap_or_default();
            (cover.gss_code.as_str(), (cover.name.clone(), Some(open)))
        })
        .collect();
    for split in counted.splits() {
        if let Split::LocalAuthority(code) = *split {
            authorities.entry(code).or_insert_with(|| {
                let name = names.authorities.get(code).cloned().unwrap_or_default();
                (name, None)
            });
        }
    }
    authorities
        .into_iter()
        .map(|(code, (name, open_schools))| {
            let counts = counted.of(&Split::LocalAuthority(code));
            LocalAuthorityReach {
                local_authority: LocalAuthorityRef {
                    gss_code: code.to_owned(),
                    name,
                },
                counts: counts.into(),
                open_schools,
                open_schools_signed_up: open_schools.map(|_| counts.open_schools_signed_up),
                reach_percent: open_schools
                    .and_then(|open| share_percent(counts.open_schools_signed_up, open)),
            }
        })
        .collect()
}

/// The phases of the schools counted, in GIAS order.
fn by_school_phase(counted: HubCounts<'_, '_>) -> Vec<SchoolPhaseReach> {
    counted
        .splits()
        .filter_map(|split| match *split {
            Split::SchoolPhase(index) => Some(SchoolPhaseReach {
                school_phase: SchoolPhase::ALL[index],
                counts: counted.of(split).into(),
            }),
            _ => None,
        })
        .collect()
}

/// Every project the hub's groups deliver. Drafts never hold places (expressing interest
/// needs an open group), so every project counted is among them.
fn by_project(
    hub: &HubRow,
    counted: HubCounts<'_, '_>,
    projects: &[ProjectRow],
) -> Vec<ProjectReach> {
    projects
        .iter()
        .filter(|project| project.hub_id == hub.id)
        .map(|project| ProjectReach {
            project: ProjectRef {
                code: project.code.clone(),
                title: project.title.clone(),
            },
            participation_min_percent: project.participation_min_percent,
            counts: counted.of(&Split::Project(project.id)).into(),
        })
        .collect()
}

/// The referring Teaching School Hubs by slug, as the names show; enrolments no Teaching
/// School Hub referred last.
fn by_referrer(counted: HubCounts<'_, '_>, names: &Names) -> Vec<ReferrerReach> {
    let mut by_referrer: Vec<ReferrerReach> = counted
        .splits()
        .filter_map(|split| match *split {
            Split::Referrer(referrer) => Some(ReferrerReach {
                referred_by: match referrer {
                    Referrer::TeachingSchoolHub(id) => names.teaching_school_hubs.get(&id).cloned(),
                    Referrer::None => None,
                },
                counts: counted.of(split).into(),
            }),
            _ => None,
        })
        .collect();
    by_referrer.sort_by_key(|row| {
        let slug = row
            .referred_by
            .as_ref()
            .map(|referrer| referrer.slug.clone());
        (slug.is_none(), slug)
    });
    by_referrer
}

/// What the report covers, in words: whose work groups, and for a partner whose area.
fn scope_view(
    scope: &ReportScope,
    year: &AcademicYear,
    hubs: &[HubRow],
    led_work_groups: Option<Vec<String>>,
    names: &Names,
) -> ReportScopeView {
    let hub_name = || {
        hubs.first()
            .map_or_else(String::new, |hub| hub.name.clone())
    };
    let (kind, description, teaching_school_hub) = match *scope {
        ReportScope::National => (
            ScopeKind::National,
            format!("Every hub's work groups of {year}."),
            None,
        ),
        ReportScope::Hub(_) => (
            ScopeKind::Hub,
            format!("The work groups of {} in {year}.", hub_name()),
            None,
        ),
        ReportScope::LedBy { .. } => (
            ScopeKind::LedWorkGroups,
            format!(
                "Only the work groups of {year} you lead, listed in work_groups; the other \
                 groups of {} are not counted.",
                hub_name()
            ),
            None,
        ),
        ReportScope::PartnerArea {
            teaching_school_hub_id,
            hub_id,
        } => {
            let partner = names
                .teaching_school_hubs
                .get(&teaching_school_hub_id)
                .cloned();
            let hubs_counted = match hub_id {
                Some(_) => hub_name(),
                None => "the hubs serving the area or that its schools signed up with".to_owned(),
            };
            let description = partner_area(partner.as_ref(), year, &hubs_counted);
            (ScopeKind::PartnerArea, description, partner)
        }
    };
    ReportScopeView {
        kind,
        description,
        teaching_school_hub,
        work_groups: led_work_groups,
    }
}

/// A partner's scope in words: the schools of its area, in the work groups of `hubs_counted`.
fn partner_area(
    partner: Option<&TeachingSchoolHubRef>,
    year: &AcademicYear,
    hubs_counted: &str,
) -> String {
    let partner_name = partner.map_or("", |partner| partner.name.as_str());
    format!(
        "Only the schools in the area of {partner_name}, in the work groups of {year} \
         of {hubs_counted}; counts only, no school or person is named."
    )
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(reach_report);
}
