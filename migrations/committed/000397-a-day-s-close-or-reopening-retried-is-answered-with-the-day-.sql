--! Previous: sha1:329fcd73927121089af500e3b10827cf4b7b05ba
--! Hash: sha1:79bfe3273fa262cba0fb3fa00c8222afaf496f8d
--! Message: A day's close or reopening retried is answered with the day as it is now

-- A day's close or reopening retried is answered with the day as it is now
--
-- 000394 answered a close or reopening sent again with its idempotency key by a copy of the day as the first request
-- left it: a close retried after an owner's reopening was told `closed` of a day that is open, while the answer's
-- computed fields and relations were read as they are now, one object of two moments, and a frontend caching it by its
-- id showed the day closed. A payment's or a refund's retry answers its row as it is now; so does a day's: the key
-- keeps the day it answered (`daily_reconciliation_id`), and a retry reads it, nothing done again as before.
alter table app_private.business_day_key add column if not exists daily_reconciliation_id uuid;
do $$
begin
  if exists (select from information_schema.columns where table_schema = 'app_private' and table_name = 'business_day_key' and column_name = 'answer') then
    update app_private.business_day_key set daily_reconciliation_id = (answer ->> 'id')::uuid where daily_reconciliation_id is null;
  end if;
end;
$$;
alter table app_private.business_day_key alter column daily_reconciliation_id set not null;
alter table app_private.business_day_key drop column if exists answer;
comment on column app_private.business_day_key.daily_reconciliation_id is 'The day the first request answered, which the same key again answers as it is now.';
comment on table app_private.business_day_key is 'The idempotency key of each close_day and reopen_day sent with one, per clinic: the same key again is answered with its day as it is now, nothing done again; with another request, CONFLICT.';

create or replace function app_private.business_day_key_answer(clinic_id uuid, idempotency_key text, action text, request jsonb)
  returns app_public.daily_reconciliation
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
  as $$
declare
  v_key app_private.business_day_key;
  v_day app_public.daily_reconciliation;
begin
  if idempotency_key is null then
    return null;
  end if;
  -- the key's requests take turns: a second sent at once waits for the first, and finds its key
  perform pg_advisory_xact_lock(hashtextextended('business_day_key:' || business_day_key_answer.clinic_id || ':' || business_day_key_answer.idempotency_key, 0));
  select * into v_key from app_private.business_day_key k
  where k.clinic_id = business_day_key_answer.clinic_id and k.idempotency_key = business_day_key_answer.idempotency_key;
  if v_key.clinic_id is null then
    return null;
  end if;
  if (v_key.action, v_key.request) is distinct from (business_day_key_answer.action, business_day_key_answer.request) then
    raise exception 'This idempotency key was already used for a different close or reopening of a day.' using errcode = 'CCONF';
  end if;
  -- the day as it is now, as a payment's retry answers its payment
  select * into v_day from app_public.daily_reconciliation d where d.id = v_key.daily_reconciliation_id;
  return v_day;
end;
$$;
comment on function app_private.business_day_key_answer(uuid, text, text, jsonb) is 'For close_day and reopen_day sent with an idempotency key (none: null): waits for the key''s other requests in flight, then answers the key''s day as it is now when it asks the same (`action`, `request`), CONFLICT when it asks another, null when the key is new (the caller does what is asked and keeps the key with business_day_key_kept).';
revoke all on function app_private.business_day_key_answer(uuid, text, text, jsonb) from public;

create or replace function app_private.business_day_key_kept(clinic_id uuid, idempotency_key text, action text, request jsonb, answer app_public.daily_reconciliation)
  returns app_public.daily_reconciliation
  language sql
  set search_path to pg_catalog, public, pg_temp
  as $$
  insert into app_private.business_day_key (clinic_id, idempotency_key, action, request, daily_reconciliation_id)
  select business_day_key_kept.clinic_id, business_day_key_kept.idempotency_key, business_day_key_kept.action,
         business_day_key_kept.request, (business_day_key_kept.answer).id
  where business_day_key_kept.idempotency_key is not null;
  select business_day_key_kept.answer;
$$;
comment on function app_private.business_day_key_kept(uuid, text, text, jsonb, app_public.daily_reconciliation) is 'For close_day and reopen_day: keeps the idempotency key (none: nothing kept) with what was asked and the day it answered, for business_day_key_answer to answer the same key again; returns the day.';
revoke all on function app_private.business_day_key_kept(uuid, text, text, jsonb, app_public.daily_reconciliation) from public;

-- close_day and reopen_day restated whole from 000394, their comments saying a retry answers the day as it is now
create or replace function app_public.close_day(business_date date, counted_cash numeric DEFAULT 0, counted_card numeric DEFAULT 0, counted_bank_transfer numeric DEFAULT 0, counted_mobile_money numeric DEFAULT 0, counted_insurance numeric DEFAULT 0, notes text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
  v_currency text := (select c.currency from app_public.clinic c where c.id = v_clinic);
  -- notes of white space alone (a close form's field left blank) are none given: the day keeps its own
  v_notes text := case when app_hidden.text_or_null(close_day.notes) is not null then app_hidden.text_as_typed(close_day.notes) end;
  v_first date; -- the clinic's first local day, when the day asked for is one before it without money
  v_request jsonb; -- what is asked, as a retry with the same idempotency key is compared
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can close a day.' using errcode = 'CFORB';
  end if;
  perform app_private.check_idempotency_key(close_day.idempotency_key, 'close of a day');
  -- the clinic's time zone as it is once a change of it under way is done (and a change waits for this close):
  -- a close must not pass a change to a zone in which its day has not started
  perform app_private.lock_clinic_setting(v_clinic, 'time zone', false);
  if business_date is null then
    raise exception 'Give the business day to close (businessDate).' using errcode = 'CINVL';
  end if;
  if business_date > app_hidden.business_date(v_clinic, now()) then
    raise exception 'Only a business day that has started can be closed.' using errcode = 'CINVL';
  end if;
  if business_date < date '2000-01-01' then
    raise exception 'Only a business day from 2000-01-01 on can be closed.' using errcode = 'CINVL';
  end if;
  if exists (select from unnest(array[counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance]) a
             where a <> round(a, app_public.currency_decimals(v_currency))) then
    raise exception 'A counted amount has no more decimals than the clinic''s currency (%: %).', v_currency, app_public.currency_decimals(v_currency)
      using errcode = 'CINVL';
  end if;
  -- a count given as null is none counted, as one left out is; the notes as they are kept
  v_request := jsonb_build_object('business_date', close_day.business_date,
    'counted_cash', coalesce(close_day.counted_cash, 0), 'counted_card', coalesce(close_day.counted_card, 0),
    'counted_bank_transfer', coalesce(close_day.counted_bank_transfer, 0), 'counted_mobile_money', coalesce(close_day.counted_mobile_money, 0),
    'counted_insurance', coalesce(close_day.counted_insurance, 0), 'notes', v_notes);
  -- the same key again: the day as it is now, not closed again (after a reopening since, say)
  v_day := app_private.business_day_key_answer(v_clinic, close_day.idempotency_key, 'close', v_request);
  if v_day.id is not null then
    return v_day;
  end if;
  -- Waits for the day's payments and refunds in flight; new ones wait for us (tg__money_day).
  perform app_private.lock_business_day(v_clinic, close_day.business_date, true);
  -- a day before the clinic existed is made a day to count only when it has money (as the hourly run opens one);
  -- one that has a row already (opened, or closed and reopened) is closed as any other
  if not exists (select from app_public.daily_reconciliation d where d.clinic_id = v_clinic and d.business_date = close_day.business_date) then
    v_first := app_private.first_day_after_day_without_money(v_clinic, close_day.business_date);
    if v_first is not null then
      raise exception 'The clinic''s first business day is %: a day before it is closed only when it has payments or refunds, and % has none.',
        v_first, close_day.business_date using errcode = 'CINVL';
    end if;
  end if;
  insert into app_public.daily_reconciliation (clinic_id, business_date) values (v_clinic, close_day.business_date)
  on conflict on constraint daily_reconciliation_clinic_id_business_date_key do nothing;
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = close_day.business_date for update;
  if v_day.status = 'closed' then
    -- the same close again (a double click, a retry after a timeout whose first attempt went through):
    -- the day as it was closed, not a refusal of what was done
    if (v_day.counted_cash, v_day.counted_card, v_day.counted_bank_transfer, v_day.counted_mobile_money, v_day.counted_insurance)
       = (coalesce(close_day.counted_cash, 0), coalesce(close_day.counted_card, 0), coalesce(close_day.counted_bank_transfer, 0),
          coalesce(close_day.counted_mobile_money, 0), coalesce(close_day.counted_insurance, 0))
       and (v_notes is null or v_day.notes is not distinct from v_notes) then
      return app_private.business_day_key_kept(v_clinic, close_day.idempotency_key, 'close', v_request, v_day);
    end if;
    raise exception 'This business day is already closed, with other counts or notes: an owner reopens it to count again.' using errcode = 'CDAYC';
  end if;
  perform app_private.refresh_reconciliation(v_clinic, close_day.business_date);
  update app_public.daily_reconciliation d set
    -- a count given as null is none counted, as one left out is
    status = 'closed', counted_cash = coalesce(close_day.counted_cash, 0), counted_card = coalesce(close_day.counted_card, 0),
    counted_bank_transfer = coalesce(close_day.counted_bank_transfer, 0), counted_mobile_money = coalesce(close_day.counted_mobile_money, 0),
    counted_insurance = coalesce(close_day.counted_insurance, 0), notes = coalesce(v_notes, d.notes),
    closed_at = now(), closed_by = app_public.current_user_id()
  where d.clinic_id = v_clinic and d.id = v_day.id
  returning * into v_day;
  return app_private.business_day_key_kept(v_clinic, close_day.idempotency_key, 'close', v_request, v_day);
end;
$$;
comment on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) is 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). The same close again (the same counts, and notes when given) answers the day as it was closed; other counts or notes on a closed day are DAY_CLOSED. With an idempotency key, the same key again answers the day as it is now, not closing it again (a retry after an owner reopened the day leaves it open); the same key with another day, counts or notes, or a reopening''s key, is CONFLICT; a key of white space alone is INVALID_INPUT. A day before the clinic''s first local day with no payment or refund, and no row yet, is INVALID_INPUT naming the first day. Owners, admins and cashiers.';
revoke all on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) from public;
grant execute on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) to :DATABASE_VISITOR;

create or replace function app_public.reopen_day(business_date date, reason text, idempotency_key text DEFAULT NULL::text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_reason text := app_hidden.text_or_null(reason);
  v_day app_public.daily_reconciliation;
  v_request jsonb := jsonb_build_object('business_date', reopen_day.business_date, 'reason', v_reason);
begin
  if not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can reopen a closed day.' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to reopen a day.' using errcode = 'CINVL';
  end if;
  perform app_private.check_idempotency_key(reopen_day.idempotency_key, 'reopening of a day');
  -- the same key again: the day as it is now, not reopened again (after a close since, say)
  v_day := app_private.business_day_key_answer(v_clinic, reopen_day.idempotency_key, 'reopen', v_request);
  if v_day.id is not null then
    return v_day;
  end if;
  -- Waits for a close or a payment of the day in flight; a payment arriving meanwhile waits for the day to be
  -- open again (it was refused as of a closed day), as a close arriving meanwhile waits to close it again.
  perform app_private.lock_business_day(v_clinic, reopen_day.business_date, true);
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = reopen_day.business_date for update;
  if v_day.status = 'closed' then
    update app_public.daily_reconciliation d set status = 'open', reopened_at = now(), reopened_by = app_public.current_user_id(),
      reopen_reason = v_reason, closed_at = null, closed_by = null
    where d.clinic_id = v_clinic and d.id = v_day.id
    returning * into v_day;
  -- an open day is the same reopening again (a double click, a retry after a timeout whose first attempt went
  -- through) when it was reopened for the same reason: the day as it was reopened, as a close sent again answers
  -- the day as it was closed
  elsif v_day.status is distinct from 'open' or v_day.reopen_reason is distinct from v_reason then
    raise exception 'No closed day on that date in this clinic.' using errcode = 'CNOTF';
  end if;
  return app_private.business_day_key_kept(v_clinic, reopen_day.idempotency_key, 'reopen', v_request, v_day);
end;
$$;
comment on function app_public.reopen_day(date, text, text) is 'Reopens a closed business day with a reason (audited). Owners only. Waits for a close or a payment of that day in flight; a payment or close of that day made meanwhile waits for it. The same reopening again (the same reason, the day still open) answers the day as it was reopened. With an idempotency key, the same key again answers the day as it is now, not reopening it again (a retry after a cashier closed the day leaves it closed); the same key with another day or reason, or a close''s key, is CONFLICT; a key of white space alone is INVALID_INPUT.';
revoke all on function app_public.reopen_day(date, text, text) from public;
grant execute on function app_public.reopen_day(date, text, text) to :DATABASE_VISITOR;
