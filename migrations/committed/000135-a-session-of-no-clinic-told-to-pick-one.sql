--! Previous: sha1:4c537c601ea61d99938c8c8b3fa5178a4840f2b0
--! Hash: sha1:4c4a895bad43a6d3b165645538db522c6ce3790d
--! Message: a session of no clinic told to pick one

-- A session in no clinic (a platform administrator who logged in without one) that registers a
-- patient, adds a service or books a visit is told to log in to a clinic: it was NOT_FOUND
-- "Unknown clinic.", as if the clinic had gone. The code is drawn before row-level security
-- checks the new row, so it is here that the session's clinic is first missed.
create or replace function app_private.next_code(clinic_id uuid, prefix text) returns text
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
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
    if next_code.clinic_id is null and app_public.current_clinic_id() is null then
      raise exception 'Your session is in no clinic: log in to a clinic (or switch to one) to do this.' using errcode = 'CFORB';
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
comment on function app_private.next_code(uuid, text) is 'Allocates the next code (PAT-000001, ...) for a clinic and prefix: unique and gap-free under concurrency, honouring the clinic''s prefix overrides. Without a live session: UNAUTHENTICATED (CAUTH); a session in no clinic: FORBIDDEN (CFORB), telling it to log in to one.';
