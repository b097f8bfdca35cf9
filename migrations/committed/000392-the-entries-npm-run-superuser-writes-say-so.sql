--! Previous: sha1:d5bc07f8f0500bf3e989d90e190fef971b4d9332
--! Hash: sha1:98c67f13fe9c3c6a514fe101d5d8e3c8ed6289d8
--! Message: The entries npm run superuser writes say so

-- An account's entries written by npm run superuser
--
-- A promotion's password entry said "by": "npm run superuser", but the entries of a new platform admin (the account's
-- insert, the update making it an admin), and a promotion's update of the account, by no one, said nothing of what
-- wrote them: a platform admin reading the platform's chain could not tell the operator's command from an update by
-- hand in psql. create_platform_admin now names itself in clinicops.audit_by (transaction-local, for its own
-- statements, put back at its end), and tg__audit writes it as the detail's "by" of each row's entry.
create or replace function app_private.tg__audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_action text := lower(tg_op);
  v_chains uuid[];
  v_chain uuid;
  -- the operator's command that made the change (create_platform_admin sets it for its own statements alone)
  v_by text := nullif(current_setting('clinicops.audit_by', true), '');
  v_detail jsonb := case when v_by is not null then jsonb_build_object('by', v_by) end;
begin
  if tg_op = 'UPDATE' then
    if (v_old - 'updated_at' - 'updated_by') = (v_new - 'updated_at' - 'updated_by') then
      return null; -- nothing changed
    elsif v_old ? 'deleted_at' and v_old ->> 'deleted_at' is null and v_new ->> 'deleted_at' is not null then
      v_action := 'soft_delete';
    elsif v_old ? 'deleted_at' and v_old ->> 'deleted_at' is not null and v_new ->> 'deleted_at' is null then
      v_action := 'restore';
    end if;
  end if;
  v_chains := app_private.audit_chains_of_row(tg_table_name, v_row);
  -- a person's account of several clinics: all their heads first, in order, as a statement of several chains takes them
  if cardinality(v_chains) > 1 then
    perform app_private.lock_audit_chains(v_chains);
  end if;
  foreach v_chain in array v_chains loop
    perform app_private.write_audit(v_chain, v_action, tg_table_name, (v_row ->> 'id')::uuid, v_old, v_new, v_detail);
  end loop;
  return null;
end;
$$;

comment on function app_private.tg__audit() is 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such) in its chain (audit_chain_of_row: its clinic''s), a person''s account''s in each chain of audit_chains_of_person (the session''s clinic''s or the platform''s, and every clinic that lists the person), those locked first in the order of their ids. A statement of rows of several chains has locked their heads in order first (tg__audit_chains_in_order). Its entries'' detail is null but while an operator''s command names itself in clinicops.audit_by for its own statements (create_platform_admin: {"by": "npm run superuser"}).';

create or replace function app_private.create_platform_admin(phone text, full_name text, password text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_phone app_public.e164_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  v_user record;
  v_by text;
begin
  perform app_private.check_person_name(full_name);
  -- each entry of the account's row it writes says what wrote it, as its password's reset does; for this call alone,
  -- put back as it was at its end (a failure undoes the whole transaction, the setting with it)
  v_by := current_setting('clinicops.audit_by', true);
  perform set_config('clinicops.audit_by', 'npm run superuser', true);
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  -- a new user's secret was made from this password; someone already registered gets it now
  if not v_user.created then
    perform app_private.replace_password(v_user.user_id, app_private.hash_password(password), null, '{"by": "npm run superuser"}');
  end if;
  update app_public."user" u set is_platform_admin = true, is_active = true where u.id = v_user.user_id;
  perform set_config('clinicops.audit_by', coalesce(v_by, ''), true);
  return v_user.user_id;
end;
$$;

comment on function app_private.create_platform_admin(phone text, full_name text, password text) is 'Creates a platform administrator, or promotes someone who has an account; either way the account gets the password given (`npm run superuser`). A reset of an existing account''s password unlocks it, ends every session of the account, and is audited in the platform''s chain (user_secret, passwordChanged, with the sessions in no clinic it ended; those of each clinic in its chain, sessions_ended: replace_password). Every entry it writes of the account''s row (the new account''s insert, the update that makes it an admin) says {"by": "npm run superuser"} in its detail, as the reset''s does (clinicops.audit_by, read by tg__audit).';

comment on column app_public.audit_log.detail is 'Extra facts, by action: null for a change of a row (insert, update, delete, soft_delete, restore), but an update of user_secret (below), and by (npm run superuser) for a change of an account that command made. login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the opening ended, if any: the session a switch came from, the account''s session whose cookie a login replaced, and those beyond the account''s cap of 10 live sessions); a login''s deviceCookie (whether a device cookie of the account judged it: app_private.login_device). sessions_ended: endedSessions (the sessions of this chain''s clinic, or of none in the platform''s, that were ended), endedBy (what ended them: login or switch_clinic, into another clinic or none, or login of another account over the session, the actor being that account; password_change, by the person; password_reset, by a clinic''s owner or admin or the operator; deactivation of the account, or platform_admin_change of its rights, by the operator). logout: sessionId (a session its person ended; one a login of another account ended is that login''s sessions_ended). login_failed: phone (normalised; null when it was no phone number), ip, reason, clinicId (the clinic named, for not_a_member and switch_not_a_member), and deviceCookie for a login''s (whether a device cookie of the account judged it, its failure counted against that device alone). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many sessions of this chain''s clinic, or of none in the platform''s, it ended: those of other chains are in their own entries), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it; in the chain of each other clinic the person is of, passwordChanged, and unlocked and by for a reset, with endedSessions (the sessions of that clinic it ended, if any) in place of sessionsEnded, and nothing of where it was done from. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry); an export_cut_short the hourly sweep wrote for a download whose end never came, a day after it began, endNeverCame (true: the server never told its end, and what it sent is not known; sweep_unended_downloads).';
