//! The reach report for spreadsheets: what `GET /reports/reach` answers with
//! `Accept: text/csv`. The same figures as the JSON, made from it, as one table: one line per
//! hub × dimension × value, then the totals across hubs on a line with no hub.

use actix_web::HttpResponse;

use crate::api::reach::views::{HubReach, ReachCounts, ReachReport};
use crate::domain::Slug;
use crate::error::ApiError;
use crate::http::csv::{download, spreadsheet_text};

const COLUMNS: [&str; 12] = [
    "hub",
    "hub_name",
    "dimension",
    "value",
    "value_name",
    "schools_signed_up",
    "schools_participating",
    "participants_signed_up",
    "participants_participating",
    "open_schools",
    "open_schools_signed_up",
    "reach_percent",
];

/// An example table, for the OpenAPI document.
pub const EXAMPLE: &str = "\
hub,hub_name,dimension,value,value_name,schools_signed_up,schools_participating,participants_signed_up,participants_participating,open_schools,open_schools_signed_up,reach_percent
london-central-and-west,London Central and West Maths Hub,total,,,3,2,4,2,,,
london-central-and-west,London Central and West Maths Hub,local_authority,E09000009,Ealing,2,2,3,2,16,2,12.5
london-central-and-west,London Central and West Maths Hub,local_authority,E10000013,Gloucestershire,1,0,1,0,,,
london-central-and-west,London Central and West Maths Hub,school_phase,secondary,,3,2,4,2,,,
london-central-and-west,London Central and West Maths Hub,project,NCP21-15,Secondary Subject Leadership,3,2,4,2,,,
london-central-and-west,London Central and West Maths Hub,referrer,london-district-east,London District East Teaching School Hub,1,1,1,1,,,
london-central-and-west,London Central and West Maths Hub,referrer,none,,2,1,3,1,,,
,,total,,,3,2,4,2,,,
";

/// One line of the table.
struct Line<'a> {
    hub: Option<&'a HubReach>,
    dimension: &'static str,
    value: &'a str,
    value_name: &'a str,
    counts: &'a ReachCounts,
    /// Open schools, those signed up, and the share: authorities a hub covers only.
    reach: Option<(usize, usize, Option<f64>)>,
}

impl Line<'_> {
    fn record(&self) -> Vec<String> {
        let (hub, hub_name) = self.hub.map_or(("", ""), |hub| {
            (hub.hub.slug.as_str(), hub.hub.name.as_str())
        });
        let counts = self.counts;
        let (open, open_signed_up, percent) = match self.reach {
            Some((open, signed_up, percent)) => (
                open.to_string(),
                signed_up.to_string(),
                percent
                    .map(|percent| format!("{percent:.1}"))
                    .unwrap_or_default(),
            ),
            None => Default::default(),
        };
        vec![
            hub.to_owned(),
            spreadsheet_text(hub_name),
            self.dimension.to_owned(),
            self.value.to_owned(),
            spreadsheet_text(self.value_name),
            counts.schools_signed_up.to_string(),
            counts.schools_participating.to_string(),
            counts.participants_signed_up.to_string(),
            counts.participants_participating.to_string(),
            open,
            open_signed_up,
            percent,
        ]
    }
}

/// Every line of one hub: its total, then each split in the JSON's order.
fn hub_lines(hub: &HubReach) -> Vec<Line<'_>> {
    let line = |dimension, value, value_name, counts| Line {
        hub: Some(hub),
        dimension,
        value,
        value_name,
        counts,
        reach: None,
    };
    let mut lines = vec![line("total", "", "", &hub.totals)];
    lines.extend(hub.by_local_authority.iter().map(|row| Line {
        reach: row.open_schools.map(|open| {
            (
                open,
                row.open_schools_signed_up.unwrap_or_default(),
                row.reach_percent,
            )
        }),
        ..line(
            "local_authority",
            &row.local_authority.gss_code,
            &row.local_authority.name,
            &row.counts,
        )
    }));
    lines.extend(
        hub.by_school_phase
            .iter()
            .map(|row| line("school_phase", row.school_phase.as_str(), "", &row.counts)),
    );
    lines.extend(hub.by_project.iter().map(|row| {
        line(
            "project",
            &row.project.code,
            &row.project.title,
            &row.counts,
        )
    }));
    lines.extend(hub.by_referrer.iter().map(|row| match &row.referred_by {
        Some(referrer) => line("referrer", &referrer.slug, &referrer.name, &row.counts),
        None => line("referrer", "none", "", &row.counts),
    }));
    lines
}

/// The report as CSV (RFC 4180).
pub fn to_csv(report: &ReachReport) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).map_err(ApiError::internal)?;
    let totals = Line {
        hub: None,
        dimension: "total",
        value: "",
        value_name: "",
        counts: &report.totals,
        reach: None,
    };
    for line in report.hubs.iter().flat_map(hub_lines).chain([totals]) {
        writer
            .write_record(line.record())
            .map_err(ApiError::internal)?;
    }
    writer.into_inner().map_err(ApiError::internal)
}

/// The table as a download named after the year (and the hub, when one is named).
pub fn response(report: &ReachReport, hub: Option<&Slug>) -> Result<HttpResponse, ApiError> {
    let year = report.academic_year.replace('/', "-");
    let filename = match hub {
        Some(hub) => format!("reach-{year}-{hub}.csv"),
        None => format!("reach-{year}.csv"),
    };
    Ok(download(filename, to_csv(report)?))
}
