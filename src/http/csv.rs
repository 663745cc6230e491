//! Answers for spreadsheets: CSV downloads, and free text made safe to open in one.

use actix_web::HttpResponse;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::mime::TEXT_CSV_UTF_8;

/// Free text as a spreadsheet cell: text a spreadsheet would run as a formula (starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises
/// against CSV injection. Participants name themselves; staff open the file.
pub fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A CSV file as a download of that name.
pub fn download(filename: String, csv: Vec<u8>) -> HttpResponse {
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(filename)],
    };
    HttpResponse::Ok()
        .content_type(TEXT_CSV_UTF_8)
        .insert_header(disposition)
        .body(csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_is_kept_as_text() {
        assert_eq!(spreadsheet_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for formula in ["+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(spreadsheet_text(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(spreadsheet_text("O'Brien, Ada"), "O'Brien, Ada");
    }
}
