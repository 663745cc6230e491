//! A work group's register for spreadsheets: what `GET /work-groups/{id}/enrolments` answers
//! with `Accept: text/csv`. One line per enrolment (school, participant, role in school,
//! status, waiting-list position) and one column per session, headed by its London date and
//! time, holding the attendance recorded (`present`, `absent`, `apologies`, or empty).

use std::collections::HashMap;

use actix_web::HttpResponse;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db::attendance;
use crate::db::enrolments::{self as queries, EnrolmentRow, Owner};
use crate::db::sessions::{self, SessionRow};
use crate::domain::{AttendanceStatus, EnrolmentStatus, LondonTime};
use crate::error::ApiError;
use crate::http::csv::{download, spreadsheet_text};

/// The columns before the sessions'.
const PERSON_COLUMNS: [&str; 7] = [
    "school_urn",
    "school_name",
    "participant_name",
    "participant_email",
    "role_in_school",
    "status",
    "waitlist_position",
];

/// An example register, for the OpenAPI document.
pub const EXAMPLE: &str = "\
school_urn,school_name,participant_name,participant_email,role_in_school,status,waitlist_position,2021-11-17T09:30:00+00:00,2022-01-19T15:45:00+00:00
137083,Twyford Church of England High School,\"Okafor, Ada\",ada.okafor@school.example,head_of_department,accepted,,present,apologies
137083,Twyford Church of England High School,Sam Lee,sam.lee@school.example,teacher,waitlisted,1,,
";

/// Everything a register shows: the enrolments, the group's sessions in time order, and what
/// was recorded for whom at which.
pub struct Register {
    enrolments: Vec<EnrolmentRow>,
    sessions: Vec<SessionRow>,
    marks: HashMap<(Uuid, Uuid), AttendanceStatus>,
}

impl Register {
    /// The register of every enrolment of the group (of one status, if given): three queries,
    /// however many enrolments and sessions.
    pub async fn load(
        conn: &mut AsyncPgConnection,
        work_group_id: Uuid,
        status: Option<EnrolmentStatus>,
    ) -> Result<Self, ApiError> {
        let enrolments = queries::all(conn, Owner::WorkGroup(work_group_id), status).await?;
        let sessions = sessions::of_work_groups(conn, &[work_group_id], &[])
            .await?
            .into_iter()
            .map(|row| row.session)
            .collect();
        let marks = attendance::of_work_group(conn, work_group_id)
            .await?
            .into_iter()
            .map(|(enrolment, session, status)| ((enrolment, session), status))
            .collect();
        Ok(Self {
            enrolments,
            sessions,
            marks,
        })
    }

    /// The register as CSV (RFC 4180), quoting whatever needs it.
    pub fn to_csv(&self) -> Result<Vec<u8>, ApiError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let session_columns = self
            .sessions
            .iter()
            .map(|session| LondonTime(session.starts_at).to_rfc3339());
        writer
            .write_record(
                PERSON_COLUMNS
                    .map(str::to_owned)
                    .into_iter()
                    .chain(session_columns),
            )
            .map_err(ApiError::internal)?;
        for enrolment in &self.enrolments {
            writer
                .write_record(self.line(enrolment))
                .map_err(ApiError::internal)?;
        }
        writer.into_inner().map_err(ApiError::internal)
    }

    fn line(&self, enrolment: &EnrolmentRow) -> Vec<String> {
        let person = [
            enrolment.school_urn.clone(),
            spreadsheet_text(&enrolment.school_name),
            spreadsheet_text(&enrolment.participant_name),
            spreadsheet_text(&enrolment.participant_email),
            enrolment.role_in_school.as_str().to_owned(),
            enrolment.status.as_str().to_owned(),
            enrolment
                .waitlist_position
                .map(|position| position.to_string())
                .unwrap_or_default(),
        ];
        let marks = self.sessions.iter().map(|session| {
            self.marks
                .get(&(enrolment.id, session.id))
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default()
        });
        person.into_iter().chain(marks).collect()
    }
}

/// The register as a download named after the group.
pub fn response(work_group_code: &str, csv: Vec<u8>) -> HttpResponse {
    download(format!("{work_group_code}-enrolments.csv"), csv)
}
