//! The fee ledger for invoicing: what `GET /fees` answers with `Accept: text/csv`. One line
//! per fee, every one the filters select, oldest first, with the school it is owed by and
//! what it arose from; amounts in pence and in pounds.

use crate::db::fees::FeeRow;
use crate::domain::LondonTime;
use crate::domain::fees::decimal_pounds;
use crate::error::ApiError;
use crate::http::csv::spreadsheet_text;

const COLUMNS: [&str; 19] = [
    "fee_id",
    "created_at",
    "hub",
    "academic_year",
    "work_group_code",
    "work_group_title",
    "session_starts_at",
    "school_urn",
    "school_name",
    "participant_name",
    "reason",
    "status",
    "amount_pence",
    "amount_gbp",
    "waived_at",
    "waiver_reason",
    "paid_at",
    "payment_reference",
    "voided_at",
];

/// An example ledger, for the OpenAPI document.
pub const EXAMPLE: &str = "\
fee_id,created_at,hub,academic_year,work_group_code,work_group_title,session_starts_at,school_urn,school_name,participant_name,reason,status,amount_pence,amount_gbp,waived_at,waiver_reason,paid_at,payment_reference,voided_at
01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e05,2021-11-17T16:02:11+00:00,london-central-and-west,2021/22,LCW21-15-01,Secondary Subject Leadership,2021-11-17T09:30:00+00:00,137083,Twyford Church of England High School,\"Okafor, Ada\",non_attendance,owed,7500,75.00,,,,,
";

/// The ledger's `fees` as CSV (RFC 4180), quoting whatever needs it.
pub fn to_csv(fees: &[FeeRow]) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).map_err(ApiError::internal)?;
    for fee in fees {
        writer.write_record(line(fee)).map_err(ApiError::internal)?;
    }
    writer.into_inner().map_err(ApiError::internal)
}

fn line(fee: &FeeRow) -> [String; 19] {
    let time = |instant| LondonTime(instant).to_rfc3339();
    [
        fee.id.to_string(),
        time(fee.created_at),
        fee.hub_slug.clone(),
        fee.academic_year.clone(),
        fee.work_group_code.clone(),
        spreadsheet_text(&fee.work_group_title),
        time(fee.session_starts_at),
        fee.school_urn.clone(),
        spreadsheet_text(&fee.school_name),
        spreadsheet_text(&fee.participant_name),
        fee.reason.as_str().to_owned(),
        fee.status.as_str().to_owned(),
        fee.amount_pence.to_string(),
        decimal_pounds(fee.amount_pence.into()),
        fee.waived_at.map(time).unwrap_or_default(),
        fee.waiver_reason
            .as_deref()
            .map(spreadsheet_text)
            .unwrap_or_default(),
        fee.paid_at.map(time).unwrap_or_default(),
        fee.payment_reference
            .as_deref()
            .map(spreadsheet_text)
            .unwrap_or_default(),
        fee.voided_at.map(time).unwrap_or_default(),
    ]
}
