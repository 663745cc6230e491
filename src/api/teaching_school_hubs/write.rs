//! Changing Teaching School Hubs (national admins): adding one, correcting it, replacing its
//! area (districts, unitary authorities and boroughs, never counties) and its recorded partner
//! Maths Hubs, and retiring it once no partner credentials reach the API for it. The slug
//! names a Teaching School Hub for good. A retired one no longer changes.

use std::collections::HashSet;

use actix_web::{HttpResponse, patch, post, web};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::hubs::write::{LeadSchoolForm, LeadSchoolInput};
use crate::api::local_authorities::write::check_authorities;
use crate::api::reference_data::{
    Reasons, Record, Retirable, Updatable, may_change, retire, update, view,
};
use crate::api::teaching_school_hubs::read::TeachingSchoolHubDetail;
use crate::auth::Caller;
use crate::db::teaching_school_hub_writes::{
    self as writes, LockedTeachingSchoolHub, TeachingSchoolHubFields,
};
use crate::db::{DbPool, lookups, teaching_school_hubs};
use crate::domain::{GssCode, LaKind, NonBlank, ParseError, Slug, WebAddress};
use crate::error::ApiError;
use crate::http::extract::paging::FieldErrors;
use crate::http::parse::{nullable, parse_path, set_if_sent};
use crate::http::write::{Answer, Write};

const TAG: &str = "Teaching School Hubs";

/// A new Teaching School Hub.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "slug": "london-district-east", "name": "London District East Teaching School Hub",
    "lead_school": null, "website": null,
    "area": ["E09000002", "E09000016", "E09000025"], "partner_hubs": ["london-north-east"]
}))]
pub struct NewTeachingSchoolHub {
    /// Lowercase words joined by hyphens; names it in URLs for good.
    #[schema(inline)]
    pub slug: Slug,
    #[schema(inline)]
    pub name: NonBlank,
    pub lead_school: Option<LeadSchoolInput>,
    /// `http://` or `https://`.
    #[schema(inline)]
    pub website: Option<WebAddress>,
    /// GSS codes of the districts, unitary authorities and boroughs of its area.
    #[serde(default)]
    #[schema(inline, max_items = 100)]
    pub area: Vec<GssCode>,
    /// Slugs of the Maths Hubs it is recorded as working with (others are derived from
    /// overlapping areas).
    #[serde(default)]
    #[schema(inline, max_items = 40)]
    pub partner_hubs: Vec<Slug>,
}

/// `NewTeachingSchoolHub` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewTeachingSchoolHub", deny_unknown_fields)]
pub struct NewTeachingSchoolHubForm {
    slug: String,
    name: String,
    lead_school: Option<LeadSchoolForm>,
    website: Option<String>,
    #[serde(default)]
    area: Vec<String>,
    #[serde(default)]
    partner_hubs: Vec<String>,
}

// The authorities and hubs a body names are checked against what is stored in the same answer
// as its fields, so a body is read with the connection (`read`) rather than by `TryFrom`.
impl NewTeachingSchoolHub {
    /// Reads `form`, every refused field in one answer: the body, and its partner hubs' ids.
    async fn read(
        conn: &mut AsyncPgConnection,
        form: NewTeachingSchoolHubForm,
    ) -> Result<(Self, Vec<uuid::Uuid>), ApiError> {
        let mut errors = FieldErrors::default();
        let slug = errors.parse("slug", Some(form.slug), Slug::parse);
        let name = errors.parse("name", Some(form.name), NonBlank::parse);
        let lead_school = form
            .lead_school
            .and_then(|school| LeadSchoolInput::parse(school, &mut errors));
        let website = errors.parse("website", form.website, WebAddress::parse);
        let lists =
            Lists::read(conn, Some(form.area), Some(form.partner_hubs), &mut errors).await?;
        errors.finish(|| {
            let body = Self {
                slug: slug?,
                name: name?,
                lead_school,
                website,
                area: lists.area?,
                partner_hubs: lists.partner_hubs?,
            };
            Some((body, lists.hub_ids?))
        })
    }

    /// The slug, the Teaching School Hub's fields and its area.
    fn into_parts(self) -> (Slug, TeachingSchoolHubFields, Vec<GssCode>) {
        let (lead_school_name, lead_school_urn) = LeadSchoolInput::columns(self.lead_school);
        let fields = TeachingSchoolHubFields {
            name: self.name.into_inner(),
            lead_school_name,
            lead_school_urn,
            website: self.website.map(WebAddress::into_inner),
        };
        (self.slug, fields, self.area)
    }
}

/// Changes to a Teaching School Hub; what is left out stays, `null` clears `lead_school` or
/// `website`, and a list sent replaces the whole of `area` or `partner_hubs`. The slug never
/// changes.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"area": ["E09000002", "E09000016", "E09000025"], "partner_hubs": ["london-north-east"]}))]
pub struct TeachingSchoolHubChanges {
    #[schema(inline)]
    pub name: Option<NonBlank>,
    #[schema(value_type = Option<LeadSchoolInput>)]
    pub lead_school: Option<Option<LeadSchoolInput>>,
    #[schema(inline)]
    pub website: Option<Option<WebAddress>>,
    /// Replaces the whole area.
    #[schema(inline, max_items = 100)]
    pub area: Option<Vec<GssCode>>,
    /// Replaces every recorded partner hub.
    #[schema(inline, max_items = 40)]
    pub partner_hubs: Option<Vec<Slug>>,
}

/// `TeachingSchoolHubChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "TeachingSchoolHubChanges", deny_unknown_fields)]
pub struct TeachingSchoolHubChangesForm {
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    lead_school: Option<Option<LeadSchoolForm>>,
    #[serde(default, deserialize_with = "nullable")]
    website: Option<Option<String>>,
    area: Option<Vec<String>>,
    partner_hubs: Option<Vec<String>>,
}

impl TeachingSchoolHubChanges {
    /// Reads `form`, every refused field in one answer: the changes, and the ids of the partner
    /// hubs sent.
    async fn read(
        conn: &mut AsyncPgConnection,
        form: TeachingSchoolHubChangesForm,
    ) -> Result<(Self, Option<Vec<uuid::Uuid>>), ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.parse("name", form.name, NonBlank::parse);
        let lead_school = form
            .lead_school
            .map(|school| school.and_then(|school| LeadSchoolInput::parse(school, &mut errors)));
        let website = errors.parse_nullable("website", form.website, WebAddress::parse);
        let lists = Lists::read(conn, form.area, form.partner_hubs, &mut errors).await?;
        errors.finish(|| {
            let changes = Self {
                name,
                lead_school,
                website,
                area: lists.area,
                partner_hubs: lists.partner_hubs,
            };
            Some((changes, lists.hub_ids))
        })
    }

    /// `fields` with what was sent set (the lists are replaced apart).
    fn apply_to(self, mut fields: TeachingSchoolHubFields) -> TeachingSchoolHubFields {
        set_if_sent(&mut fields.name, self.name.map(NonBlank::into_inner));
        if let Some(school) = self.lead_school {
            (fields.lead_school_name, fields.lead_school_urn) = LeadSchoolInput::columns(school);
        }
        set_if_sent(
            &mut fields.website,
            self.website
                .map(|website| website.map(WebAddress::into_inner)),
        );
        fields
    }
}

/// Most authorities in an area: a Teaching School Hub serves a few local authorities' schools.
const MAX_AREA: usize = 100;
/// Most partner hubs: there are 40 Maths Hubs.
const MAX_PARTNER_HUBS: usize = 40;

/// Parses each item of the list `field` (named `field[i]`) of at most `max` items, refusing
/// one named twice.
fn parse_list<T: Clone + Eq + std::hash::Hash>(
    field: &str,
    items: Vec<String>,
    max: usize,
    parse: impl Fn(&str) -> Result<T, ParseError>,
    errors: &mut FieldErrors,
) -> Vec<(String, T)> {
    if items.len() > max {
        errors.push(field, format!("must have at most {max} items"));
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut parsed = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let name = format!("{field}[{index}]");
        if let Some(value) = errors.parse(&name, Some(item), &parse) {
            if seen.insert(value.clone()) {
                parsed.push((name, value));
            } else {
                errors.refuse(&name, "is named twice");
            }
        }
    }
    parsed
}

/// The area and recorded partner hubs a body sends (`None` when left out or refused), checked
/// against what is stored; each refused item is recorded by its place (`area[2]`).
struct Lists {
    area: Option<Vec<GssCode>>,
    partner_hubs: Option<Vec<Slug>>,
    /// The partner hubs' ids.
    hub_ids: Option<Vec<uuid::Uuid>>,
}

impl Lists {
    async fn read(
        conn: &mut AsyncPgConnection,
        area: Option<Vec<String>>,
        partner_hubs: Option<Vec<String>>,
        errors: &mut FieldErrors,
    ) -> Result<Self, ApiError> {
        let area = area.map(|area| parse_list("area", area, MAX_AREA, GssCode::parse, errors));
        let partner_hubs = partner_hubs
            .map(|hubs| parse_list("partner_hubs", hubs, MAX_PARTNER_HUBS, Slug::parse, errors));
        if let Some(area) = &area {
            check_area(conn, area, errors).await?;
        }
        let hub_ids = match &partner_hubs {
            Some(hubs) => Some(check_partner_hubs(conn, hubs, errors).await?),
            None => None,
        };
        Ok(Self {
            area: area.map(values),
            partner_hubs: partner_hubs.map(values),
            hub_ids,
        })
    }
}

/// The items of a list, without their places.
fn values<T>(named: Vec<(String, T)>) -> Vec<T> {
    named.into_iter().map(|(_, value)| value).collect()
}

/// Checks the area's authorities exist, are current and are not counties.
async fn check_area(
    conn: &mut AsyncPgConnection,
    area: &[(String, GssCode)],
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    check_authorities(
        conn,
        area,
        |kind| match kind {
            LaKind::County => Err(
                "is a county: an area is drawn on districts, unitary authorities and boroughs, so name the county's districts"
                    .into(),
            ),
            _ => Ok(()),
        },
        errors,
    )
    .await
}

/// Resolves the partner hubs to ids, recording in `errors` each unknown or retired.
async fn check_partner_hubs(
    conn: &mut AsyncPgConnection,
    partner_hubs: &[(String, Slug)],
    errors: &mut FieldErrors,
) -> Result<Vec<uuid::Uuid>, ApiError> {
    let slugs: Vec<&str> = partner_hubs.iter().map(|(_, slug)| slug.as_str()).collect();
    let found = lookups::hubs_for_write(conn, &slugs).await?;
    let mut ids = Vec::new();
    for (field, slug) in partner_hubs {
        match found.iter().find(|(found, _, _)| found == slug.as_str()) {
            None => errors.refuse(field, format!("no hub has the slug {slug}")),
            Some((_, _, true)) => errors.refuse(field, format!("hub {slug} is retired")),
            Some((_, id, false)) => ids.push(*id),
        }
    }
    Ok(ids)
}

/// Replaces the lists sent of the Teaching School Hub `id`: its area and its recorded partner
/// hubs (ids).
async fn replace_lists(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    area: Option<&[GssCode]>,
    hub_ids: Option<&[uuid::Uuid]>,
) -> Result<(), ApiError> {
    if let Some(area) = area {
        let codes: Vec<String> = area.iter().map(|code| code.as_str().to_owned()).collect();
        writes::replace_area(conn, id, &codes).await?;
    }
    if let Some(hub_ids) = hub_ids {
        writes::replace_partner_hubs(conn, id, hub_ids).await?;
    }
    Ok(())
}

/// Its fields and lists, for the audit trail.
async fn snapshot(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    fields: &TeachingSchoolHubFields,
) -> Result<serde_json::Value, ApiError> {
    Ok(serde_json::json!({
        "fields": fields,
        "area": writes::area(conn, id).await?,
        "partner_hubs": writes::partner_hubs(conn, id).await?,
    }))
}

/// Teaching School Hubs, named by their slugs. One is retired only once no partner
/// credentials reach the API for it.
pub(crate) struct TeachingSchoolHubs;

impl Retirable for TeachingSchoolHubs {
    type Key = Slug;
    type Id = uuid::Uuid;
    type Fields = TeachingSchoolHubFields;
    type View = TeachingSchoolHubDetail;
    const REMEDY: &'static str = "Revoke or disable these";

    fn record(slug: &Slug) -> Record<'_> {
        Record::teaching_school_hub(slug.as_str())
    }

    async fn lock(
        conn: &mut AsyncPgConnection,
        slug: &Slug,
    ) -> QueryResult<Option<LockedTeachingSchoolHub>> {
        writes::lock(conn, slug).await
    }

    async fn find(
        conn: &mut AsyncPgConnection,
        slug: &Slug,
    ) -> QueryResult<Option<TeachingSchoolHubDetail>> {
        Ok(teaching_school_hubs::find(conn, slug)
            .await?
            .map(TeachingSchoolHubDetail::from))
    }

    async fn still_relied_on(
        conn: &mut AsyncPgConnection,
        id: &uuid::Uuid,
    ) -> Result<Reasons, ApiError> {
        let uses = writes::uses(conn, *id).await?;
        Ok(Reasons::default()
            .counting(
                "partner client credentials not revoked",
                uses.partner_clients,
            )
            .counting("enabled partner accounts", uses.partner_accounts))
    }

    async fn mark_retired(conn: &mut AsyncPgConnection, id: &uuid::Uuid) -> QueryResult<()> {
        writes::retire(conn, *id).await
    }
}

impl Updatable for TeachingSchoolHubs {
    type Form = TeachingSchoolHubChangesForm;
    /// The changes, and the ids of the partner hubs they name.
    type Changes = (TeachingSchoolHubChanges, Option<Vec<uuid::Uuid>>);

    async fn read(
        conn: &mut AsyncPgConnection,
        _slug: &Slug,
        form: TeachingSchoolHubChangesForm,
    ) -> Result<Self::Changes, ApiError> {
        TeachingSchoolHubChanges::read(conn, form).await
    }

    async fn change(
        conn: &mut AsyncPgConnection,
        id: &uuid::Uuid,
        fields: TeachingSchoolHubFields,
        (mut changes, hub_ids): Self::Changes,
    ) -> Result<TeachingSchoolHubFields, ApiError> {
        let area = changes.area.take();
        let fields = changes.apply_to(fields);
        writes::update(conn, *id, &fields).await?;
        replace_lists(conn, *id, area.as_deref(), hub_ids.as_deref()).await?;
        Ok(fields)
    }

    /// With its area and recorded partner hubs.
    async fn audited(
        conn: &mut AsyncPgConnection,
        id: &uuid::Uuid,
        fields: &TeachingSchoolHubFields,
    ) -> Result<serde_json::Value, ApiError> {
        snapshot(conn, *id, fields).await
    }
}

/// Create a Teaching School Hub
///
/// Adds a Teaching School Hub with its area and recorded partner Maths Hubs, for national
/// admins. The area lists districts, unitary authorities and boroughs (not counties: name their
/// districts); every code and slug must name a current authority or hub, and each bad one is
/// named. A slug or name already used answers 409.
#[utoipa::path(
    tag = TAG,
    request_body = NewTeachingSchoolHub,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = TeachingSchoolHubDetail,
         headers(("Location" = String, description = "The new Teaching School Hub's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/teaching-school-hubs")]
pub async fn create_teaching_school_hub(
    caller: Caller,
    write: Write<NewTeachingSchoolHubForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_change(&caller, "Teaching School Hub"),
            async |conn, (), form| {
                let (body, hub_ids) = NewTeachingSchoolHub::read(conn, form).await?;
                let (slug, fields, area) = body.into_parts();
                let id = writes::insert(conn, &slug, &fields).await?;
                replace_lists(conn, id, Some(&area), Some(&hub_ids)).await?;
                let after = snapshot(conn, id, &fields).await?;
                Record::teaching_school_hub(slug.as_str())
                    .audit(
                        conn,
                        &caller,
                        "created",
                        serde_json::json!({"after": after}),
                    )
                    .await?;
                let created = view::<TeachingSchoolHubs>(conn, &slug).await?;
                Answer::created(
                    format!(
                        "/api/v1/teaching-school-hubs/{}",
                        created.teaching_school_hub.slug
                    ),
                    &created,
                )
            },
        )
        .await
}

/// Update a Teaching School Hub
///
/// Corrects a Teaching School Hub, for national admins: its name, lead school and website,
/// and its area or recorded partner hubs, each replaced whole by the list sent. Fields left
/// out stay. A retired one no longer changes (409). Send the `ETag` of your copy in
/// `If-Match` to refuse the change (412) if someone changed it since.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The Teaching School Hub's slug", example = "london-district-east"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = TeachingSchoolHubChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed Teaching School Hub", body = TeachingSchoolHubDetail),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/teaching-school-hubs/{slug}")]
pub async fn update_teaching_school_hub(
    caller: Caller,
    path: web::Path<String>,
    write: Write<TeachingSchoolHubChangesForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    update::<TeachingSchoolHubs>(&caller, &write, &pool, &slug).await
}

/// Retire a Teaching School Hub
///
/// Marks a Teaching School Hub as no longer operating, for national admins. It leaves the
/// lists and its partners' views; `GET` still shows it, with `retired_at`, its area and
/// recorded partnerships kept as history. While partner credentials still reach the API for
/// it (client credentials not revoked, enabled partner accounts) the answer is 409 naming
/// them: revoke and disable those first. Retiring one already retired answers 409 too.
#[utoipa::path(
    tag = TAG,
    params(("slug" = String, Path, description = "The Teaching School Hub's slug", example = "london-district-east")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The Teaching School Hub, now retired", body = TeachingSchoolHubDetail),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/teaching-school-hubs/{slug}/retire")]
pub async fn retire_teaching_school_hub(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    retire::<TeachingSchoolHubs>(&caller, &write, &pool, &slug).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_teaching_school_hub)
        .service(update_teaching_school_hub)
        .service(retire_teaching_school_hub);
}
