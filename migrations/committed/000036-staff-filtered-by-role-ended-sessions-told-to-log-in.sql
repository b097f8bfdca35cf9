--! Previous: sha1:6bbf0b1849d54c39caa4a468a8d54558070abb23
--! Hash: sha1:c04f2a512845e4dd09777d0207e42b45b0d5ff51
--! Message: staff filtered by role, ended sessions told to log in

-- A booking screen lists the clinic's active doctors: memberships can be filtered and ordered by
-- role and is_active (a clinic has a handful of members, found by the primary key's clinic_id, so
-- neither column needs an index of its own, which is what Amber otherwise asks for).
comment on column app_public.membership.role is E'@behavior +filterBy +orderBy\nWhat the member may do in this clinic.';
comment on column app_public.membership.is_active is E'@behavior +filterBy +orderBy\nFalse suspends the member: no login into this clinic, sessions ended.';

-- A request whose session has ended (logged out, expired, revoked: the token still verifies) that
-- creates a coded row (patient, service, visit, invoice…) was told NOT_FOUND "Unknown clinic.";
-- it is UNAUTHENTICATED, so the frontend sends its user to log in again.
create or replace function app_private.next_code(clinic_id uuid, prefix text) returns text
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_display text;
  v_value bigint;
begin
  select coalesce(c.code_prefixes ->> next_code.prefix, next_code.prefix) into v_display
  from app_public.clinic c
  where c.id = next_code.clinic_id
    and (c.id = app_public.current_clinic_id() or app_hidden.in_system_context());
  if not found then
    if app_public.current_user_id() is null and not app_hidden.in_system_context() then
      raise exception 'You are not logged in, or your session has ended: log in again.' using errcode = 'CAUTH';
    end if;
    raise exception 'Unknown clinic.' using errcode = 'CNOTF';
  end if;
  -- The row lock taken here serialises allocation per clinic and prefix until
  -- commit; a rolled-back transaction gives its number back: no gaps.
  insert into app_private.code_counter as cc (clinic_id, prefix, last_value)
  values (next_code.clinic_id, next_code.prefix, 1)
  on conflict on constraint code_counter_pkey do update set last_value = cc.last_value + 1
  returning cc.last_value into v_value;
  return v_display || '-' || lpad(v_value::text, greatest(6, length(v_value::text)), '0');
end;
$$;
comment on function app_private.next_code(uuid, text) is 'Allocates the next code (PAT-000001, ...) for a clinic and prefix: unique and gap-free under concurrency, honouring the clinic''s prefix overrides. Without a live session: UNAUTHENTICATED (CAUTH).';
