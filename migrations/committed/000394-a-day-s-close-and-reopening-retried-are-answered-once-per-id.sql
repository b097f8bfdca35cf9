--! Previous: sha1:5b47d964e40637cd36044cea83728e59f34a17b4
--! Hash: sha1:aae605c08e5001abb2af418128c2e14be5e9006c
--! Message: A day's close and reopening retried are answered once per idempotency key

-- A day's close and reopening retried are answered once per idempotency key
--
-- A close was told sent again only while its day was closed with the same counts (000121), and a reopening only
-- while its day was open with the same reason (000194): a reopening double-clicked whose second request waited on
-- the day's lock behind a cashier's close reopened the day the cashier had just counted, and a close retried after
-- an owner's reopening closed it again, the retry indistinguishable from a deliberate one. closeDay and reopenDay
-- now take an optional idempotencyKey, as recordPayment and refundPayment do (000119, 000185): the same key again
-- is answered with the day as that first close or reopening left it, nothing done again, whatever became of the
-- day since; the same key with another day, counts, notes or reason (or a close's key for a reopening) is
-- CONFLICT; a key of white space alone is INVALID_INPUT. Keys are kept per clinic, in
-- app_private.business_day_key (another clinic's same key is its own). Without a key, as before.
create table if not exists app_private.business_day_key (
  clinic_id uuid not null,
  idempotency_key text not null check (char_length(idempotency_key) between 1 and 200),
  action text not null check (action in ('close', 'reopen')),
  request jsonb not null,
  answer jsonb not null,
  created_at timestamptz not null default now(),
  primary key (clinic_id, idempotency_key)
);
comment on table app_private.business_day_key is 'The idempotency key of each close_day and reopen_day sent with one, per clinic: the same key again is answered with `answer`, nothing done again; with another request, CONFLICT.';
comment on column app_private.business_day_key.clinic_id is 'The clinic.';
comment on column app_private.business_day_key.idempotency_key is 'The key the close or reopening was sent with, chosen by the client (1 to 200 characters).';
comment on column app_private.business_day_key.action is 'What the key was sent for: close (close_day) or reopen (reopen_day).';
comment on column app_private.business_day_key.request is 'What was asked, as it is compared with a retry: the business day and the counts (none given 0) and notes as kept (close), or the reason as kept (reopen).';
comment on column app_private.business_day_key.answer is 'The day as the first request left it (the daily_reconciliation row it returned), the answer to the same key again.';
comment on column app_private.business_day_key.created_at is 'When the first request with the key was answered.';
alter table app_private.business_day_key enable row level security;
alter table app_private.business_day_key force row level security;
drop policy if exists owner_only on app_private.business_day_key;
create policy owner_only on app_private.business_day_key to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.business_day_key is 'Read and kept by definer functions only.';

comment on function app_private.check_idempotency_key(text, text) is 'Refuses an idempotency key with nothing visible in it (INVALID_INPUT, naming `what`: payment, refund, invoice, invoice line, close of a day, reopening of a day), before the key is looked up; none at all is none.';

create or replace function app_private.business_day_key_answer(clinic_id uuid, idempotency_key text, action text, request jsonb)
  returns app_public.daily_reconciliation
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
  as $$
declare
  v_key app_private.business_day_key;
begin
  if idempotency_key is null then
    return null;
  end if;
  -- the key's requests take turns: the second of a double click waits for the first, then finds its key
  perform pg_advisory_xact_lock(hashtextextended('business_day_key:' || business_day_key_answer.clinic_id || ':' || business_day_key_answer.idempotency_key, 0));
  select * into v_key from app_private.business_day_key k
  where k.clinic_id = business_day_key_answer.clinic_id and k.idempotency_key = business_day_key_answer.idempotency_key;
  if v_key.clinic_id is null then
    return null;
  end if;
  if (v_key.action, v_key.request) is distinct from (business_day_key_answer.action, business_day_key_answer.request) then
    raise exception 'This idempotency key was already used for a different close or reopening of a day.' using errcode = 'CCONF';
  end if;
  return jsonb_populate_record(null::app_public.daily_reconciliation, v_key.answer);
end;
$$;
comment on function app_private.business_day_key_answer(uuid, text, text, jsonb) is 'For close_day and reopen_day sent with an idempotency key (none: null): waits for the key''s other requests in flight, then answers the day as the key''s first request left it when it asks the same (`action`, `request`), CONFLICT when it asks another, null when the key is new (the caller does what is asked and keeps the key with business_day_key_kept).';
revoke all on function app_private.business_day_key_answer(uuid, text, text, jsonb) from public;

create or replace function app_private.business_day_key_kept(clinic_id uuid, idempotency_key text, action text, request jsonb, answer app_public.daily_reconciliation)
  returns app_public.daily_reconciliation
  language sql
  set search_path to pg_catalog, public, pg_temp
  as $$
  insert into app_private.business_day_key (clinic_id, idempotency_key, action, request, answer)
  select business_day_key_kept.clinic_id, business_day_key_kept.idempotency_key, business_day_key_kept.action,
         business_day_key_kept.request, to_jsonb(business_day_key_kept.answer)
  where business_day_key_kept.idempotency_key is not null;
  select business_day_key_kept.answer;
$$;
comment on function app_private.business_day_key_kept(uuid, text, text, jsonb, app_public.daily_reconciliation) is 'For close_day and reopen_day: keeps the idempotency key (none: nothing kept) with what was asked and the day as it was answered, for business_day_key_answer to answer the same key again; returns the day.';
revoke all on function app_private.business_day_key_kept(uuid, text, text, jsonb, app_public.daily_reconciliation) from public;

-- close_day
--
-- Takes an idempotency key (above); restated whole from 000383 with the key looked up once the day asked for and
-- the counts are checked, before the day's lock (a retry does not wait behind a reopening), and kept with the day
-- it answers, whether it closed the day or found it closed with the same counts.
drop function if exists app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text);
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
  -- the same key again: the day as its first close left it, not closed again (after a reopening since, say)
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
comment on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) is 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). The same close again (the same counts, and notes when given) answers the day as it was closed; other counts or notes on a closed day are DAY_CLOSED. With an idempotency key, the same key again answers the day as its first close left it, not closing it again (a retry after an owner reopened the day leaves it open); the same key with another day, counts or notes, or a reopening''s key, is CONFLICT; a key of white space alone is INVALID_INPUT. A day before the clinic''s first local day with no payment or refund, and no row yet, is INVALID_INPUT naming the first day. Owners, admins and cashiers.';
revoke all on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) from public;
grant execute on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) to :DATABASE_VISITOR;

-- reopen_day
--
-- Takes an idempotency key (above); restated whole from 000194 with the key looked up before the day's lock (the
-- second of a double click that a close got between is answered as the first reopening, not waiting behind the
-- close to reopen the day again), and kept with the day it answers.
drop function if exists app_public.reopen_day(date, text);
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
  -- the same key again: the day as its first reopening left it, not reopened again (after a close since, say)
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
comment on function app_public.reopen_day(date, text, text) is 'Reopens a closed business day with a reason (audited). Owners only. Waits for a close or a payment of that day in flight; a payment or close of that day made meanwhile waits for it. The same reopening again (the same reason, the day still open) answers the day as it was reopened. With an idempotency key, the same key again answers the day as its first reopening left it, not reopening it again (a retry after a cashier closed the day leaves it closed); the same key with another day or reason, or a close''s key, is CONFLICT; a key of white space alone is INVALID_INPUT.';
revoke all on function app_public.reopen_day(date, text, text) from public;
grant execute on function app_public.reopen_day(date, text, text) to :DATABASE_VISITOR;
