--! Previous: sha1:036cb4e1d606b44604c7202f2b351bcbb604366a
--! Hash: sha1:398eba6a05ab7c9ac0ae6ca0eaaa0882b743c29a
--! Message: login attempts take turns, closed days are final, money in the currency's decimals

--------------------------------------------------------------------------------
-- Guards found by the security review of 2026-11-30.

--------------------------------------------------------------------------------
-- Login attempts on one account take their turns. The lockout was read before bcrypt ran and
-- counted after, so attempts sent at once all passed the check: an attacker got as many guesses
-- beyond the 5 as requests could run together, and a right guess among them logged in. The
-- account's secret row is now locked for the attempt.

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
    -- locked until this attempt is counted: attempts at once take their turns, each seeing the
    -- failures (and the lockout) of those before it
    select * into v_secret from app_private.user_secret s where s.user_id = v_user.id for update;
    -- An unknown phone still pays for one bcrypt, so timing tells nothing.
    v_password_ok := coalesce(crypt(password, coalesce(v_secret.password_hash, gen_salt('bf', 10))) = v_secret.password_hash, false);
    v_reason := case
      when v_user.id is null then 'unknown_phone'
      when not v_password_ok then 'wrong_password'
      when v_secret.locked_until > now() then 'locked'
      when not v_user.is_active then 'inactive'
    end;
  end if;

  if v_reason is not null then
    insert into app_private.login_failure (ip, phone) values (login.ip, v_phone);
    if v_secret.user_id is not null then
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
-- A closed day is final: its notes could still be rewritten (updateDailyReconciliation) after
-- the close. Reopening it (owners, with a reason) is the way to change it.

create or replace function app_private.tg_daily_reconciliation__closed_is_final() returns trigger
language plpgsql
as $$
begin
  raise exception 'This business day is closed: an owner can reopen it to change it.' using errcode = 'CDAYC';
end;
$$;
comment on function app_private.tg_daily_reconciliation__closed_is_final() is 'BEFORE UPDATE of a closed day that leaves it closed: refused (DAY_CLOSED); reopen_day opens it first.';
drop trigger if exists _200_closed_is_final on app_public.daily_reconciliation;
create trigger _200_closed_is_final before update on app_public.daily_reconciliation
  for each row when (old.status = 'closed' and new.status = 'closed')
  execute function app_private.tg_daily_reconciliation__closed_is_final();

--------------------------------------------------------------------------------
-- Payments and refunds are in the currency's decimals, as invoice lines are (000022): 0.5 of a yen
-- or 0.005 of a dollar was taken, and left a balance no one can pay in cash. The exact balance
-- (or what is left of a payment) is always accepted, for invoices whose lines were written with
-- finer amounts before 000022.

create or replace function app_private.tg_money__in_currency_decimals() returns trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_currency text;
  v_all numeric; -- the whole balance, or all that is left of the payment
begin
  if tg_table_name = 'payment' then
    select i.currency, i.balance into v_currency, v_all
    from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  else
    select i.currency, p.amount - app_public.payment_refunded_amount(p) into v_currency, v_all
    from app_public.payment p join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
    where p.clinic_id = new.clinic_id and p.id = new.payment_id;
  end if;
  if new.amount <> round(new.amount, app_public.currency_decimals(v_currency)) and new.amount is distinct from v_all then
    raise exception 'An amount has no more decimals than the invoice''s currency (%: %).', v_currency, app_public.currency_decimals(v_currency)
      using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_money__in_currency_decimals() is 'BEFORE INSERT on payments and refunds: the amount has the decimals of the invoice''s currency, or is all that is due (the balance; what is left of the payment) (INVALID_INPUT).';
drop trigger if exists _150_in_currency_decimals on app_public.payment;
create trigger _150_in_currency_decimals before insert on app_public.payment
  for each row execute function app_private.tg_money__in_currency_decimals();
drop trigger if exists _150_in_currency_decimals on app_public.refund;
create trigger _150_in_currency_decimals before insert on app_public.refund
  for each row execute function app_private.tg_money__in_currency_decimals();
