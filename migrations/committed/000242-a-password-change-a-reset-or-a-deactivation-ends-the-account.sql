--! Previous: sha1:a460020bcc8468e66bbb1c5b16450010f964dfa3
--! Hash: sha1:82c35324d2eb8ba88949162e2613d28b6e7e67a8
--! Message: A password change, a reset or a deactivation ends the account's live sessions alone

-- A password change, a reset or a deactivation ends the account's live sessions alone
--
-- end_sessions_of ended every session not yet revoked, those already expired but not yet swept among them: a password
-- change (a reset, a deactivation) counted them in what the person is told (sessionsEnded) and in its entry, and wrote
-- them into their chains' sessions_ended as ended by it, though each had ended at its expiry. It now ends the sessions
-- still live (neither revoked nor expired, as live_session reads them and a login's cap counts them); an expired one is
-- left as it is, to the sweep (expire_sessions), which deletes it.
create or replace function app_private.end_sessions_of(user_id uuid, kept_session_id uuid) returns jsonb
  language sql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  with ended as (
    update app_private.session s set revoked_at = now()
    where s.user_id = end_sessions_of.user_id and s.revoked_at is null and s.expires_at > now()
      and s.id is distinct from end_sessions_of.kept_session_id
    returning s.id, s.clinic_id
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'clinicId', e.clinic_id) order by e.id), '[]') from ended e;
$$;
comment on function app_private.end_sessions_of(user_id uuid, kept_session_id uuid) is 'Ends every live session (neither revoked nor expired) of the user but kept_session_id (none when null), as a logout ends them (their tokens UNAUTHENTICATED, their websockets closed); one already expired had ended then, and is left to the sweep (expire_sessions), neither ended nor answered again. Answers them as open_session lists those its cap ended, each its id and clinic ({id, clinicId}; none, an empty array), for audit_sessions_ended.';
revoke all on function app_private.end_sessions_of(uuid, uuid) from public;
