--! Previous: sha1:398eba6a05ab7c9ac0ae6ca0eaaa0882b743c29a
--! Hash: sha1:39a0b57e465e0af5344cead41adc7dc952c3a3d1
--! Message: money stays on its day, refunds move before the audit, busy logins refused

--------------------------------------------------------------------------------
-- Fixes from the review of 000025-000028.

--------------------------------------------------------------------------------
-- Money stays on the business day it moved on. Any update of a payment or refund (a method
-- correction, and since 000026 the refunds it moves) recomputed the day from its time in the
-- clinic's time zone as it is now: after a change of zone, a correction moved the money to another
-- day, leaving the old day's reconciliation expecting it (only the new day was refreshed), or was
-- refused as DAY_CLOSED for a day it never belonged to. The day is now computed when the money moves
-- (or its time is corrected), and both days are refreshed when it does change.

create or replace function app_private.tg__money_day() RETURNS trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
  v_clinic uuid := (v_row ->> 'clinic_id')::uuid;
  v_days date[];
begin
  -- the day the money moved, in the clinic's time zone then; a later change of the zone, or of the
  -- method, leaves it on that day (which a reconciliation may have counted)
  if tg_op = 'INSERT' or (tg_op = 'UPDATE' and v_at is distinct from coalesce(to_jsonb(old) ->> 'received_at', to_jsonb(old) ->> 'refunded_at')::timestamptz) then
    new.business_date := app_hidden.business_date(new.clinic_id, v_at);
  elsif tg_op = 'UPDATE' then
    new.business_date := old.business_date;
  end if;
  v_days := array_remove(array[
    case when tg_op <> 'DELETE' then new.business_date end,
    case when tg_op <> 'INSERT' then old.business_date end], null);
  -- Waits for a close of these days in flight; once we hold the lock, no close starts until we commit.
  perform app_private.lock_business_day(v_clinic, d, false) from unnest(v_days) d;
  perform 1 from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed' and d.business_date = any (v_days);
  if found then
    raise exception 'The business day is closed: its payments and refunds can no longer change.' using errcode = 'CDAYC';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

create or replace function app_private.tg__money_totals() RETURNS trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
begin
  perform app_private.refresh_amount_paid((v_row ->> 'clinic_id')::uuid, (v_row ->> 'invoice_id')::uuid);
  perform app_private.refresh_reconciliation((v_row ->> 'clinic_id')::uuid, (v_row ->> 'business_date')::date);
  if tg_op = 'UPDATE' and old.business_date is distinct from new.business_date then -- the day it left
    perform app_private.refresh_reconciliation(old.clinic_id, old.business_date);
  end if;
  return null;
end;
$$;

--------------------------------------------------------------------------------
-- A method correction moves the payment's refunds before the payment itself is written, so it
-- takes locks in the order a day's close does: the business days (shared) before the audit chain's
-- head. Moved after it (AFTER UPDATE, 000026), a correction and the close of a refund's day could
-- each wait for the other's lock (a deadlock, answered RETRY).

drop trigger if exists _610_method_to_refunds on app_public.payment;
create or replace function app_private.tg_payment__method_to_refunds() returns trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
begin
  update app_public.refund r set method = new.method
  where r.clinic_id = new.clinic_id and r.payment_id = new.id and r.method is distinct from new.method;
  return new;
end;
$$;
comment on function app_private.tg_payment__method_to_refunds() is 'BEFORE UPDATE OF method on payments: the payment''s refunds take the corrected method (the tender they left in), so expected totals and rollups per method stay right; a refund on a closed day makes the correction DAY_CLOSED. Before the payment''s audit, so its locks come in the order of a day''s close.';
drop trigger if exists _310_method_to_refunds on app_public.payment;
create trigger _310_method_to_refunds before update of method on app_public.payment
  for each row when (old.method is distinct from new.method) execute function app_private.tg_payment__method_to_refunds();

--------------------------------------------------------------------------------
-- Login: an attempt that finds another in flight on the same account is refused at once instead
-- of waiting its turn (000028): waiting, a burst of guesses on one account held the API's
-- connections in a queue, one bcrypt each.

create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_phone app_public.e164_phone;
  v_user app_public."user";
  v_secret app_private.user_secret;
  v_password_ok boolean;
  v_reason text;
  v_result jsonb;
  v_busy boolean := false;
begin
  if password is null or password = '' then
    raise exception 'A password is required.' using errcode = 'CINVL';
  end if;
  if char_length(password) > 1024 then
    raise exception 'The password is too long.' using errcode = 'CINVL';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));

  if ip is not null and (
    select count(*) from app_private.login_failure f
    where f.ip = login.ip and f.attempted_at > now() - interval '15 minutes'
  ) >= 20 then
    v_reason := 'address_throttled';
  else
    select * into v_user from app_public."user" u where u.phone = v_phone;
    -- Locked until this attempt is counted, so attempts cannot slip past the lockout by coming at
    -- once. One that finds another attempt on the account in flight is refused without checking
    -- its password (not queued: a burst of guesses would hold the API's connections in line).
    begin
      select * into v_secret from app_private.user_secret s where s.user_id = v_user.id for update nowait;
    exception when lock_not_available then
      v_busy := true;
    end;
    -- An unknown phone, or a busy account, still pays for one bcrypt, so timing tells nothing.
    v_password_ok := not v_busy
      and coalesce(crypt(password, coalesce(v_secret.password_hash, gen_salt('bf', 10))) = v_secret.password_hash, false);
    if v_busy then
      perform crypt(password, gen_salt('bf', 10));
    end if;
    v_reason := case
      when v_busy then 'attempt_in_flight'
      when v_user.id is null then 'unknown_phone'
      when not v_password_ok then 'wrong_password'
      when v_secret.locked_until > now() then 'locked'
      when not v_user.is_active then 'inactive'
    end;
  end if;

  if v_reason is not null then
    insert into app_private.login_failure (ip, phone) values (login.ip, v_phone);
    if v_secret.user_id is not null and not v_busy then
      update app_private.user_secret s set
        failed_login_count = case when s.first_failed_login_at > now() - interval '15 minutes' then s.failed_login_count + 1 else 1 end,
        first_failed_login_at = case when s.first_failed_login_at > now() - interval '15 minutes' then s.first_failed_login_at else now() end
      where s.user_id = v_secret.user_id
      returning * into v_secret;
      if v_secret.failed_login_count >= 5 and not coalesce(v_secret.locked_until > now(), false) then
        update app_private.user_secret s set locked_until = now() + interval '15 minutes' where s.user_id = v_secret.user_id;
      end if;
    end if;
    perform app_private.write_audit(null, 'login_failed', 'user', v_user.id, null, null,
      jsonb_build_object('phone', v_phone, 'ip', login.ip, 'reason', v_reason), v_user.id);
    return jsonb_build_object('status', 'invalid');
  end if;

  update app_private.user_secret s set failed_login_count = 0, first_failed_login_at = null, locked_until = null,
    last_login_at = now() where s.user_id = v_user.id;
  v_result := app_private.open_session(v_user.id, login.clinic_id, login.ip, login.user_agent, login.ttl);
  perform app_private.write_audit((v_result -> 'clinic' ->> 'id')::uuid, 'login', 'user', v_user.id, null, null,
    jsonb_build_object('ip', login.ip, 'sessionId', v_result ->> 'sessionId'), v_user.id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;

--------------------------------------------------------------------------------
-- Invoices issued with nothing to pay before 000026 made such invoices paid: they are paid too.

update app_public.invoice set status = status where status = 'issued' and amount_paid >= total;

comment on function app_private.tg__money_day() is 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone when the money moves (kept by later updates unless its time is corrected), locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED).';
comment on function app_private.tg__money_totals() is 'AFTER INSERT/UPDATE/DELETE on payments and refunds: the invoice''s amount paid and the open day''s expected totals follow (both days'', when a corrected time moves the money).';
