--! Previous: sha1:07e59f5b822e41bbe4c73247a703411aa34181f9
--! Hash: sha1:9121f142a71e213db5a503b97b81c54af91a6eff
--! Message: audit entries name only whom they know

-- Audit entries name only whom they know: a person's account in a clinic's chain only when the person
-- is of that clinic, and a failed login's actor only when the password was right.
--
-- An entry of a change to a person's account (`user` has no clinic) went to the chain of the clinic
-- of the session that made it. A platform administrator who was also a member of clinic Beta, working
-- in Beta, created clinic Delta with its owner: the owner's account, phone and name, was written in
-- Beta's chain, and Beta's owner read it in their audit log (an auditor of the log, over HTTP). Such an
-- entry is now in the session's clinic's chain only when the account is the session's own or a member
-- of that clinic (a removed one too); else in the platform's chain, with its failed logins. A new
-- account made by an invitation is thus in the platform's chain too (its membership, naming it, is in
-- the clinic's).
--
-- A failed login named as its actor the account it was tried on: five wrong passwords on a cashier's
-- phone read as five things the cashier did. Its actor is now the account only when the password was
-- right (the account locked or inactive, or a clinic it is not a member of) or when the account's own
-- session asked (a password change refused); else no one (the account is the entry's record_id).

create or replace function app_private.audit_chain_of_person(user_id uuid) returns uuid
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to 'on' as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
begin
  if v_clinic is not null and (audit_chain_of_person.user_id = app_public.current_user_id()
      or exists (select from app_public.membership m where m.clinic_id = v_clinic and m.user_id = audit_chain_of_person.user_id)) then
    return v_clinic;
  end if;
  return null;
end;
$$;
comment on function app_private.audit_chain_of_person(user_id uuid) is 'The audit chain of a change to a person''s account: the session''s clinic''s when the account is the session''s own or a member of that clinic (removed members too), else the platform''s (null).';
revoke all on function app_private.audit_chain_of_person(uuid) from public;

create or replace function app_private.tg__audit() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_action text := lower(tg_op);
  v_clinic uuid;
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
  v_clinic := case
    when tg_table_name = 'clinic' then (v_row ->> 'id')::uuid
    when v_row ? 'clinic_id' then (v_row ->> 'clinic_id')::uuid
    when tg_table_name = 'user' then app_private.audit_chain_of_person((v_row ->> 'id')::uuid)
    else app_public.current_clinic_id()
  end;
  perform app_private.write_audit(v_clinic, v_action, tg_table_name, (v_row ->> 'id')::uuid, v_old, v_new);
  return null;
end;
$$;
comment on function app_private.tg__audit() is 'AFTER INSERT OR UPDATE OR DELETE: one audit entry per changed row (soft delete and restore named as such), in its clinic''s chain (a person''s account: audit_chain_of_person).';

create or replace function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb default '{}'::jsonb) returns void
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  perform app_private.write_audit(null, 'login_failed', 'user', audit_failed_login.user_id, null, null,
    jsonb_build_object('phone', audit_failed_login.phone, 'ip', audit_failed_login.ip, 'reason', audit_failed_login.reason)
      || audit_failed_login.extra,
    -- the account did it only if it is known to have: the right password, or its own session
    case when audit_failed_login.reason in ('locked', 'inactive', 'not_a_member', 'password_change_refused') then audit_failed_login.user_id end);
end;
$$;
comment on function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) is 'Writes a failed login''s entry (action login_failed) in the platform''s audit chain: the phone (normalised, or null when it was not a phone number), the client address, the reason and, in extra, anything the reason needs (the clinic asked for). The record is the account the phone belongs to, when there is one; the actor is that account only when the password was right (locked, inactive, not_a_member) or its own session asked (password_change_refused), else no one.';

comment on column app_public.audit_log.clinic_id is 'The clinic whose chain holds the entry; null for the platform''s chain: failed logins, logins and changes of sessions without a clinic, and changes to a person''s account made from a clinic the person is not of (audit_chain_of_person).';
comment on column app_public.audit_log.actor_user_id is 'Who did it; null for the system, and for a failed login whose password was wrong (the account tried is record_id).';
