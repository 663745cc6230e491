//! The subject access export: everything held about one person, assembled by the database in
//! one statement (so it is one consistent snapshot) into `domain::personal_data`'s shape.

use diesel::OptionalExtension;
use diesel::sql_types::{Jsonb, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::json::Json;
use crate::domain::personal_data::PersonalData;

/// A work group named in the export, with its hub (`wg` joined to `hub`).
macro_rules! held_work_group {
    () => {
        "jsonb_build_object('id', wg.id, 'code', wg.code, 'title', wg.title, 'hub', hub.name)"
    };
}

/// A hub or Teaching School Hub (the table `$alias`) as `HeldOrganisation`.
macro_rules! held_organisation {
    ($alias:literal) => {
        concat!(
            "jsonb_build_object('id', ",
            $alias,
            ".id, 'slug', ",
            $alias,
            ".slug, 'name', ",
            $alias,
            ".name)"
        )
    };
}

const EXPORT: &str = concat!(
    "SELECT jsonb_build_object(
  'generated_at', now(),
  'account', jsonb_build_object(
      'id', u.id, 'email', u.email, 'name', u.name, 'role', u.role,
      'hub', (SELECT ",
    held_organisation!("h"),
    " FROM hubs h WHERE h.id = u.hub_id),
      'school', (SELECT jsonb_build_object('urn', s.urn, 'name', s.name)
                   FROM schools s WHERE s.urn = u.school_urn),
      'role_in_school', u.role_in_school,
      'school_contact_since', (SELECT sc.confirmed_at FROM school_contacts sc
                                WHERE sc.user_id = u.id),
      'teaching_school_hub', (SELECT ",
    held_organisation!("t"),
    " FROM teaching_school_hubs t WHERE t.id = u.teaching_school_hub_id),
      'session_reminders', u.session_reminders, 'disabled_at', u.disabled_at,
      'erased_at', u.erased_at, 'created_at', u.created_at, 'updated_at', u.updated_at),
  'lead_profile', (
      SELECT jsonb_build_object(
          'display_name', p.display_name, 'phases', to_jsonb(p.phases),
          'specialisms', to_jsonb(p.specialisms), 'roles_held', to_jsonb(p.roles_held),
          'bio', p.bio, 'community_member', p.community_member,
          'community_member_since', p.community_member_since, 'published', p.published,
          'hubs', COALESCE((SELECT jsonb_agg(",
    held_organisation!("h"),
    " ORDER BY h.slug)
                              FROM llme_profile_hubs ph JOIN hubs h ON h.id = ph.hub_id
                             WHERE ph.user_id = p.user_id), '[]'),
          'created_at', p.created_at, 'updated_at', p.updated_at)
        FROM llme_profiles p WHERE p.user_id = u.id),
  'work_groups_led', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('work_group', ",
    held_work_group!(),
    ", 'role', l.role, 'since', l.created_at)
                       ORDER BY l.created_at, wg.id)
        FROM work_group_leads l
        JOIN work_groups wg ON wg.id = l.work_group_id
        JOIN hubs hub ON hub.id = wg.hub_id
       WHERE l.user_id = u.id), '[]'),
  'enrolments', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
          'id', e.id, 'work_group', ",
    held_work_group!(),
    ",
          'school', jsonb_build_object('urn', s.urn, 'name', s.name),
          'role_in_school', e.role_in_school, 'statement', e.statement, 'status', e.status,
          'waitlist_position', e.waitlist_position, 'status_reason', e.status_reason,
          'referred_by', (SELECT t.name FROM teaching_school_hubs t WHERE t.id = e.referred_by_id),
          'senior_leader_agreement', CASE WHEN e.senior_leader_agreed_at IS NOT NULL THEN
              jsonb_build_object('name', e.senior_leader_name, 'role', e.senior_leader_role,
                                 'agreed_at', e.senior_leader_agreed_at) END,
          'accepted_at', e.accepted_at, 'withdrawn_at', e.withdrawn_at,
          'created_at', e.created_at, 'updated_at', e.updated_at,
          'history', COALESCE((
              SELECT jsonb_agg(jsonb_build_object(
                         'occurred_at', a.occurred_at, 'action', a.action,
                         'by_you', a.actor_id IS NOT DISTINCT FROM u.id, 'details', a.details)
                       ORDER BY a.id)
                FROM audit_log a
               WHERE a.object_type = 'enrolment' AND a.object_id = e.id::text), '[]'),
          'attendance', COALESCE((
              SELECT jsonb_agg(jsonb_build_object(
                         'session_id', m.session_id, 'session_starts_at', ses.starts_at,
                         'status', m.status, 'apologies_at', m.apologies_at,
                         'recorded_at', m.recorded_at)
                       ORDER BY ses.starts_at, ses.id)
                FROM attendance m JOIN sessions ses ON ses.id = m.session_id
               WHERE m.enrolment_id = e.id), '[]'),
          'fees', COALESCE((
              SELECT jsonb_agg(jsonb_build_object(
                         'id', f.id, 'session_id', f.session_id, 'reason', f.reason,
                         'amount_pence', f.amount_pence, 'currency', f.currency,
                         'status', f.status, 'waived_at', f.waived_at,
                         'waiver_reason', f.waiver_reason, 'paid_at', f.paid_at,
                         'payment_reference', f.payment_reference, 'voided_at', f.voided_at,
                         'created_at', f.created_at)
                       ORDER BY f.created_at, f.id)
                FROM fee_liabilities f WHERE f.enrolment_id = e.id), '[]'))
        ORDER BY e.created_at, e.id)
        FROM enrolments e
        JOIN work_groups wg ON wg.id = e.work_group_id
        JOIN hubs hub ON hub.id = wg.hub_id
        JOIN schools s ON s.urn = e.school_urn
       WHERE e.participant_id = u.id), '[]'),
  'messages', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
                 'id', m.id, 'kind', m.kind, 'status', m.status, 'attempts', m.attempts,
                 'facts', m.facts, 'created_at', m.created_at, 'finished_at', m.finished_at)
               ORDER BY m.created_at, m.id)
        FROM outbox_messages m WHERE m.recipient_id = u.id), '[]'),
  'sign_ins', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
                 'id', r.id, 'session', r.family_id, 'issued_at', r.issued_at,
                 'expires_at', r.expires_at, 'used_at', r.used_at, 'revoked_at', r.revoked_at)
               ORDER BY r.issued_at, r.id)
        FROM refresh_tokens r WHERE r.user_id = u.id), '[]'),
  'password_links', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
                 'id', k.id, 'purpose', k.purpose, 'created_at', k.created_at,
                 'expires_at', k.expires_at, 'used_at', k.used_at)
               ORDER BY k.created_at, k.id)
        FROM account_tokens k WHERE k.user_id = u.id), '[]'),
  'partner_credentials_created', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
                 'id', c.id, 'client_id', c.client_id, 'name', c.name,
                 'created_at', c.created_at, 'revoked_at', c.revoked_at)
               ORDER BY c.created_at, c.id)
        FROM partner_clients c WHERE c.created_by = u.id), '[]'),
  'records_made', jsonb_build_object(
      'enrolments_decided', COALESCE((
          SELECT jsonb_agg(e.id ORDER BY e.id) FROM enrolments e WHERE e.decided_by = u.id), '[]'),
      'attendance_recorded', COALESCE((
          SELECT jsonb_agg(jsonb_build_object('session_id', m.session_id,
                                              'enrolment_id', m.enrolment_id)
                           ORDER BY m.session_id, m.enrolment_id)
            FROM attendance m WHERE m.recorded_by = u.id), '[]'),
      'fees_waived', COALESCE((
          SELECT jsonb_agg(f.id ORDER BY f.id) FROM fee_liabilities f WHERE f.waived_by = u.id),
          '[]')),
  'audit', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
                 'id', a.id, 'occurred_at', a.occurred_at, 'action', a.action,
                 'object_type', a.object_type, 'object_id', a.object_id,
                 'by_you', a.actor_id IS NOT DISTINCT FROM u.id,
                 'details', CASE WHEN a.object_type = 'user' AND a.object_id = u.id::text
                                 THEN a.details END)
               ORDER BY a.id)
        FROM audit_log a
       WHERE a.actor_id = u.id OR (a.object_type = 'user' AND a.object_id = u.id::text)), '[]')) AS document
  FROM users u
 WHERE u.id = $1"
);

/// Everything held about the account `id`, or `None` when there is no such account.
pub async fn export(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> diesel::QueryResult<Option<PersonalData>> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Jsonb)]
        document: Json<PersonalData>,
    }
    diesel::sql_query(EXPORT)
        .bind::<SqlUuid, _>(id)
        .get_result::<Row>(conn)
        .await
        .optional()
        .map(|row| row.map(|row| row.document.0))
}
