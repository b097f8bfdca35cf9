--! Previous: sha1:f1f7c5c6fb3bcaf98dcaf2457ba745302936ab70
--! Hash: sha1:5d84e04874647294a3657824f57260b24c2cf65f
--! Message: A suspension or a removal of a membership ends the person's live sessions of the clinic alone

-- A suspension or a removal of a membership ends the person's live sessions of the clinic alone
--
-- tg_membership__sync_sessions ended every session of the clinic not yet revoked, those already expired but not yet
-- swept among them, as end_sessions_of did before 000242: it locked them (the sweep leaves a session another
-- transaction holds to its next run) and recorded as ended by the suspension a session that had ended at its expiry. It
-- now ends (and, for a new role, changes) the sessions still live, as live_session reads them, a login's cap counts them
-- and a password change, a reset or a deactivation ends them; an expired one is left to the sweep, which deletes it.
create or replace function app_private.tg_membership__sync_sessions() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if not new.is_active or new.deleted_at is not null then
    update app_private.session s set revoked_at = now()
    where s.clinic_id = new.clinic_id and s.user_id = new.user_id and s.revoked_at is null and s.expires_at > now();
  elsif new.role <> old.role then
    update app_private.session s set role = new.role
    where s.clinic_id = new.clinic_id and s.user_id = new.user_id and s.revoked_at is null and s.expires_at > now();
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__sync_sessions() is 'AFTER UPDATE: a role change applies to the person''s live sessions of the clinic (neither revoked nor expired) at once; a suspension or a removal ends them, as a logout ends them. One already expired had ended then, and is left to the sweep (expire_sessions), neither changed nor ended again.';
