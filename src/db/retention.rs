//! The retention schedule carried out (`domain::retention`): what has been kept for its
//! period is pseudonymised or deleted, in batches of short statements that lock only the
//! rows they change, so the API's own reads and writes never wait long behind them. Every
//! step is idempotent, so several server processes sweeping at once is harmless.

use std::time::Duration;

use diesel::prelude::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::db::DbPool;
use crate::db::erasure::{self, ERASED_REASON, Erasure};
use crate::domain::retention::RetentionPeriods;
use crate::error::ApiError;

/// How many of each kind of record the schedule has expired (a dry run), or dealt with (a
/// sweep).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// Enrolments (with their attendance and fees) detached from the person.
    pub enrolments: i64,
    pub audit_entries: i64,
    pub messages: i64,
    pub password_links: i64,
    pub sign_ins: i64,
    /// Accounts disabled long ago with nothing outstanding, erased.
    pub disabled_accounts: i64,
}

/// Each person's years of participation whose period is over: (participant, academic year)
/// with `$1` the participation years and `$2` the years of those with fees. A year ends on
/// 31 August of its second calendar year; a year with a group still going (open, full,
/// closed or running, as a group nobody moved on may be) waits for it to finish.
const DUE_YEARS: &str = "\
SELECT e.participant_id, wg.academic_year
  FROM enrolments e
  JOIN work_groups wg ON wg.id = e.work_group_id
  JOIN users u ON u.id = e.participant_id
  LEFT JOIN fee_liabilities f ON f.enrolment_id = e.id
 WHERE u.erased_at IS NULL
   -- Only the years past the shorter period can be due: the grouping skips every later one.
   AND make_date(split_part(wg.academic_year, '/', 1)::int + 1, 8, 31)
       + make_interval(years => least($1, $2)) < current_date
 GROUP BY e.participant_id, wg.academic_year
HAVING make_date(split_part(wg.academic_year, '/', 1)::int + 1, 8, 31)
       + make_interval(years => CASE WHEN bool_or(f.id IS NOT NULL) THEN $2 ELSE $1 END)
       < current_date
   AND NOT bool_or(wg.status IN ('open', 'full', 'closed', 'running'))";

/// Detaches up to `$3` due years of participation from their people: each (person, year)
/// gets a tombstone account of its own, so every year's counts of teachers and schools stay
/// the same, and what was written by or about the person on those records goes.
fn pseudonymise_years() -> String {
    format!(
        "WITH years AS (
  SELECT due.participant_id, due.academic_year, gen_random_uuid() AS tombstone
    FROM ({DUE_YEARS} LIMIT $3) due),
tombstones AS (
  INSERT INTO users (id, email, name, role, disabled_at, erased_at)
  SELECT tombstone, 'erased-' || tombstone || '@erased.invalid', 'Erased person', 'participant',
         now(), now()
    FROM years),
moved AS (
  UPDATE enrolments e SET participant_id = y.tombstone, statement = '', status_reason = NULL,
                          senior_leader_name = NULL, senior_leader_role = NULL,
                          senior_leader_agreed_at = NULL
    FROM years y, work_groups wg
   WHERE wg.id = e.work_group_id AND e.participant_id = y.participant_id
     AND wg.academic_year = y.academic_year
  RETURNING e.id),
fees AS (SELECT f.id FROM fee_liabilities f JOIN moved ON moved.id = f.enrolment_id),
waivers AS (
  UPDATE fee_liabilities SET waiver_reason = $4
   WHERE id IN (SELECT id FROM fees) AND waiver_reason IS NOT NULL),
audited AS (
  UPDATE audit_log SET details = '{{}}'
   WHERE details <> '{{}}'
     AND ((object_type = 'enrolment' AND object_id IN (SELECT id::text FROM moved))
          OR (object_type = 'fee' AND object_id IN (SELECT id::text FROM fees))))
SELECT (SELECT count(*) FROM years) AS batch, (SELECT count(*) FROM moved) AS done"
    )
}

/// A deletion of old rows: the rows of `table` matching `due` (with `$1` the period), `$2`
/// at a time.
struct Deletion {
    table: &'static str,
    key: &'static str,
    due: &'static str,
}

const AUDIT_ENTRIES: Deletion = Deletion {
    table: "audit_log",
    key: "id",
    due: "occurred_at < now() - make_interval(years => $1)",
};

const MESSAGES: Deletion = Deletion {
    table: "outbox_messages",
    key: "id",
    due: "status <> 'pending' AND finished_at < now() - make_interval(days => $1)",
};

const PASSWORD_LINKS: Deletion = Deletion {
    table: "account_tokens",
    key: "id",
    due: "expires_at < now() - make_interval(days => $1)",
};

const SIGN_INS: Deletion = Deletion {
    table: "refresh_tokens",
    key: "id",
    due: "expires_at < now() - make_interval(days => $1)",
};

impl Deletion {
    fn count(&self) -> String {
        format!(
            "SELECT count(*) AS count FROM {} WHERE {}",
            self.table, self.due
        )
    }

    fn batch(&self) -> String {
        let Self { table, key, due } = self;
        format!(
            "WITH gone AS (DELETE FROM {table} WHERE {key} IN \
               (SELECT {key} FROM {table} WHERE {due} ORDER BY {key} LIMIT $2) RETURNING 1) \
             SELECT count(*) AS batch, count(*) AS done FROM gone"
        )
    }
}

/// Accounts disabled over `$1` years ago and not erased, after `$2` in id order, `$3` at a
/// time.
const LONG_DISABLED: &str = "\
SELECT id FROM users
 WHERE erased_at IS NULL AND disabled_at < now() - make_interval(years => $1) AND id > $2
 ORDER BY id LIMIT $3";

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct Batch {
    /// How many the batch took up (a full batch means there may be more).
    #[diesel(sql_type = BigInt)]
    batch: i64,
    /// How many records it changed.
    #[diesel(sql_type = BigInt)]
    done: i64,
}

#[derive(QueryableByName)]
struct Account {
    #[diesel(sql_type = SqlUuid)]
    id: uuid::Uuid,
}

/// The deletions of the schedule, each with its period; their counts are `Expired`'s
/// `audit_entries`, `messages`, `password_links` and `sign_ins`, in that order.
fn deletions(periods: &RetentionPeriods) -> [(&'static Deletion, i32); 4] {
    [
        (&AUDIT_ENTRIES, years(periods.audit_years)),
        (&MESSAGES, days(periods.message_days)),
        (&PASSWORD_LINKS, days(periods.password_link_days)),
        (&SIGN_INS, days(periods.sign_in_days)),
    ]
}

fn years(value: u16) -> i32 {
    i32::from(value)
}

fn days(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// What the schedule has expired by now, changing nothing.
pub async fn expired(
    conn: &mut AsyncPgConnection,
    periods: &RetentionPeriods,
) -> Result<Expired, ApiError> {
    let enrolments = format!(
        "SELECT count(*) AS count FROM enrolments e JOIN work_groups wg ON wg.id = e.work_group_id
           JOIN ({DUE_YEARS}) due ON due.participant_id = e.participant_id
                                 AND due.academic_year = wg.academic_year"
    );
    let enrolments = diesel::sql_query(enrolments)
        .bind::<Integer, _>(years(periods.participation_years))
        .bind::<Integer, _>(years(periods.fee_years))
        .get_result::<Count>(conn)
        .await?
        .count;
    let mut counts = [0; 4];
    for (count, (deletion, period)) in counts.iter_mut().zip(deletions(periods)) {
        *count = diesel::sql_query(deletion.count())
            .bind::<Integer, _>(period)
            .get_result::<Count>(conn)
            .await?
            .count;
    }
    let mut disabled_accounts = 0;
    let mut after = uuid::Uuid::nil();
    while let Some(page) = long_disabled(conn, periods, &mut after).await? {
        for id in page {
            if !erasure::obligations(conn, id).await?.any() {
                disabled_accounts += 1;
            }
        }
    }
    let [audit_entries, messages, password_links, sign_ins] = counts;
    Ok(Expired {
        enrolments,
        audit_entries,
        messages,
        password_links,
        sign_ins,
        disabled_accounts,
    })
}

/// Held while a process sweeps: two sweeping at once would each give the same person's year
/// a tombstone, and one of them would be left pointing at nothing.
const SWEEP_LOCK_KEY: i64 = 0x6d68_7265_7461_696e; // "mhretain"

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Carries the schedule out: every expired record, `batch` at a time, each batch one
/// statement (and so its own transaction) and each erasure its own transaction. A process
/// finding another one sweeping does nothing this time.
pub async fn sweep(
    pool: &DbPool,
    periods: &RetentionPeriods,
    batch: i64,
) -> Result<Expired, ApiError> {
    let mut conn = pool.get().await?;
    let conn = &mut *conn;
    let lock = format!("SELECT pg_try_advisory_lock({SWEEP_LOCK_KEY}) AS locked");
    if !diesel::sql_query(lock)
        .get_result::<Locked>(conn)
        .await?
        .locked
    {
        return Ok(Expired::default());
    }
    let swept = sweep_locked(conn, periods, batch).await;
    // Released on this connection, which goes back to the pool, whatever the sweep's end.
    diesel::sql_query(format!("SELECT pg_advisory_unlock({SWEEP_LOCK_KEY})"))
        .execute(conn)
        .await?;
    swept
}

async fn sweep_locked(
    conn: &mut AsyncPgConnection,
    periods: &RetentionPeriods,
    batch: i64,
) -> Result<Expired, ApiError> {
    let pseudonymise = pseudonymise_years();
    let mut enrolments = 0;
    loop {
        let ran: Batch = diesel::sql_query(&pseudonymise)
            .bind::<Integer, _>(years(periods.participation_years))
            .bind::<Integer, _>(years(periods.fee_years))
            .bind::<BigInt, _>(batch)
            .bind::<Text, _>(ERASED_REASON)
            .get_result(conn)
            .await?;
        enrolments += ran.done;
        if ran.batch < batch {
            break;
        }
    }
    let mut counts = [0; 4];
    for (count, (deletion, period)) in counts.iter_mut().zip(deletions(periods)) {
        let statement = deletion.batch();
        loop {
            let ran: Batch = diesel::sql_query(&statement)
                .bind::<Integer, _>(period)
                .bind::<BigInt, _>(batch)
                .get_result(conn)
                .await?;
            *count += ran.done;
            if ran.batch < batch {
                break;
            }
        }
    }
    let mut disabled_accounts = 0;
    let details = serde_json::json!({"forced": false, "retention": "disabled_account_years"});
    let mut after = uuid::Uuid::nil();
    while let Some(page) = long_disabled(conn, periods, &mut after).await? {
        for id in page {
            let details = details.clone();
            let erased = conn
                .transaction::<_, ApiError, _>(async move |conn| {
                    Ok(erasure::erase_account(conn, id, false, None, details).await?)
                })
                .await?;
            if let Some(Erasure::Erased(_)) = erased {
                disabled_accounts += 1;
            }
        }
    }
    let [audit_entries, messages, password_links, sign_ins] = counts;
    Ok(Expired {
        enrolments,
        audit_entries,
        messages,
        password_links,
        sign_ins,
        disabled_accounts,
    })
}

/// The next page of accounts disabled over the period ago and not erased, after `after`
/// (moved on to the page's last); `None` once every one has been seen.
async fn long_disabled(
    conn: &mut AsyncPgConnection,
    periods: &RetentionPeriods,
    after: &mut uuid::Uuid,
) -> diesel::QueryResult<Option<Vec<uuid::Uuid>>> {
    const PAGE: i64 = 100;
    if after.is_max() {
        return Ok(None);
    }
    let page: Vec<uuid::Uuid> = diesel::sql_query(LONG_DISABLED)
        .bind::<Integer, _>(years(periods.disabled_account_years))
        .bind::<SqlUuid, _>(*after)
        .bind::<BigInt, _>(PAGE)
        .load::<Account>(conn)
        .await?
        .into_iter()
        .map(|account| account.id)
        .collect();
    // A short page is the last: the next call ends.
    *after = match page.last() {
        Some(last) if page.len() as i64 == PAGE => *last,
        _ => uuid::Uuid::max(),
    };
    Ok((!page.is_empty()).then_some(page))
}

/// Sweeps every `period` for as long as the server runs.
pub async fn sweep_every(pool: DbPool, periods: RetentionPeriods, period: Duration) {
    const BATCH: i64 = 500;
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        match sweep(&pool, &periods, BATCH).await {
            Ok(swept) if swept != Expired::default() => log::info!("retention: {swept:?}"),
            Ok(_) => {}
            Err(error) => log::warn!("retention sweep failed (retried next time): {error}"),
        }
    }
}
