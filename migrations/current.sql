-- A close whose notes field is left blank keeps the day's notes
--
-- closeDay keeps a day's notes when it is given none (the notes written while the day was open, or a first count's
-- on a day reopened and counted again), but a close form's notes field left blank comes as "" (or a line break),
-- which was taken as notes and wrote them over: "Short 500: the patient brings it Monday" was gone once the
-- reopened day was counted again. Notes of white space alone are now none given, as a blank idempotency key is
-- none (000185), and a double click of such a close is answered as the close it repeats.

create or replace function app_public.close_day(business_date date, counted_cash numeric DEFAULT 0, counted_card numeric DEFAULT 0, counted_bank_transfer numeric DEFAULT 0, counted_mobile_money numeric DEFAULT 0, counted_insurance numeric DEFAULT 0, notes text DEFAULT NULL::text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
  v_currency text := (select c.currency from app_public.clinic c where c.id = v_clinic);
  -- notes of white space alone (a close form's field left blank) are none given: the day keeps its own
  v_notes text := case when app_hidden.text_or_null(close_day.notes) is not null then close_day.notes end;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can close a day.' using errcode = 'CFORB';
  end if;
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
  -- Waits for the day's payments and refunds in flight; new ones wait for us (tg__money_day).
  perform app_private.lock_business_day(v_clinic, close_day.business_date, true);
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
      return v_day;
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
  return v_day;
end;
$$;

comment on FUNCTION app_public.close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text) IS 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). The same close again (the same counts, and notes when given) answers the day as it was closed; other counts or notes on a closed day are DAY_CLOSED. Owners, admins and cashiers.';

-- Prices set at one instant follow one another by a microsecond
--
-- A price change closes the current price at the transaction's time, or when that price began if it began later
-- (000031: a change committed meanwhile). Several changes in one transaction (a form saving a price twice, an
-- operator's script), or a change in a transaction begun before another's committed, closed the current price at
-- the instant it began: prices that were never in force (priceAt gave the last one at their start), all beginning at
-- one instant, so Service.prices, listed in the order the prices took effect, listed them in the order of their random
-- keys (the current price among the others, or before them). Now a change closes the current price at the
-- transaction's time or a microsecond after that price began, whichever is later, and the new price starts there: each
-- price is in force for a moment at least, the history is listed in the order the prices were set, and priceAt at a
-- price's start gives it. Histories written before keep their prices of no length.
create or replace function app_private.tg_service__record_price() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_from timestamptz := now();
begin
  if tg_op = 'UPDATE' then
    if new.price = old.price then
      return null;
    end if;
    update app_public.service_price p set effective_to = greatest(now(), p.effective_from + interval '1 microsecond')
    where p.clinic_id = new.clinic_id and p.service_id = new.id and p.effective_to is null
    returning p.effective_to into v_from;
  end if;
  insert into app_public.service_price (clinic_id, service_id, price, effective_from, changed_by)
  values (new.clinic_id, new.id, new.price, coalesce(v_from, now()), app_public.current_user_id());
  return null;
end;
$$;
comment on function app_private.tg_service__record_price() is 'AFTER INSERT OR UPDATE OF price: closes the current price and opens the new one, at the transaction''s time or, if the current price began then or later (an earlier change of the same transaction, or a change committed meanwhile), a microsecond after it began: each price is in force a moment at least, so the history lists prices in the order they were set.';
revoke all on function app_private.tg_service__record_price() from public;

-- The duplicate warning compares names without their hyphens, apostrophes, dots and spaces
--
-- The warning compared names as meant, in any case and without accents, but with their punctuation and spaces: Mary Jane
-- O'Brien born on the day of a Mary-Jane OBrien, or Abdulrahman Alhassan on the day of Abdul-Rahman Al Hassan, the same
-- names as people type and transliterate them, were not flagged, and the front desk registered the patient a second
-- time. name_key now also leaves out white space, hyphens and dashes, apostrophes (straight, curly, the modifier letter)
-- and dots (name_unpunctuated), so those are one name; the letters and their order still have to match (Mary is not
-- Mary-Jane). The index of the names' keys is rebuilt, as name_key is immutable.
create or replace function app_hidden.name_unpunctuated(name text) returns text
  language sql immutable strict parallel safe
  set search_path to pg_catalog, public, pg_temp
as $$
  select regexp_replace(name_unpunctuated.name, '[.''’‘ʼ`´′‐‑‒–—―−-]+', '', 'g');
$$;
comment on function app_hidden.name_unpunctuated(name text) is 'A name (or a word of a search) without the hyphens and dashes, apostrophes (straight, curly, the modifier letter) and dots people type in a name or leave out of it: Mary-Jane O''Brien and MaryJane OBrien are MaryJane OBrien. For name_key and the patient search.';
revoke all on function app_hidden.name_unpunctuated(name text) from public;
grant execute on function app_hidden.name_unpunctuated(name text) to :DATABASE_VISITOR;

create or replace function app_hidden.name_key(name text) returns text
  language sql immutable parallel safe
  set search_path to pg_catalog, public, pg_temp
as $$
  select regexp_replace(app_hidden.name_unpunctuated(app_hidden.search_key(app_hidden.name_as_meant(name_key.name))), '[[:space:]]+', '', 'g');
$$;
comment on function app_hidden.name_key(name text) is 'A name as the duplicate warning compares it: as meant (name_as_meant), then as search_key compares text, and without white space, hyphens and dashes, apostrophes and dots, so that José Ramírez, JOSE RAMIREZ and jose  ramirez are one, as are Mary-Jane O''Brien, Mary Jane OBrien and MaryJane O’Brien. Immutable, for the index patient_search_dob_names_idx (rebuilt when it changes).';
revoke all on function app_hidden.name_key(name text) from public;
grant execute on function app_hidden.name_key(name text) to :DATABASE_VISITOR;
reindex index app_private.patient_search_dob_names_idx;

-- The patient search finds a name without its hyphens, apostrophes and dots, and a query typed with them
--
-- The search matched each word of a query as typed: OBrien or maryjane found no O'Brien or Mary-Jane, nor did o.brien
-- or al-hassan find OBrien or Alhassan, and the front desk, finding no one, registered the patient again. The search's
-- copy of a patient now also holds each name without its hyphens, dashes, apostrophes and dots (name_unpunctuated)
-- where that differs, and a word of a query with such characters in it matches as typed or without them: each one
-- still a LIKE the trigram index finds, all of them needed. Spaces stay where they are (a name run together across
-- them, Ramírez Œhler as ramirezoehler, would be found by zoe), so alhassan still does not find Al Hassan, which the
-- duplicate warning flags. Patients whose names have such characters are copied again.
create or replace function app_private.index_patients(patients app_public.patient[]) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  insert into app_private.patient_search (clinic_id, patient_id, search_text, code, last_name, first_name, date_of_birth)
  select p.clinic_id, p.id,
         -- the names without their punctuation too, where that makes other text (o'brien: obrien), as people also type them
         concat_ws(' ', app_hidden.search_key(p.search_text),
                   nullif(app_hidden.name_unpunctuated(app_hidden.search_key(p.first_name)), app_hidden.search_key(p.first_name)),
                   nullif(app_hidden.name_unpunctuated(app_hidden.search_key(p.last_name)), app_hidden.search_key(p.last_name))),
         p.code, p.last_name, p.first_name, p.date_of_birth
  from unnest(patients) p
  on conflict (clinic_id, patient_id) do update
    set search_text = excluded.search_text, code = excluded.code, last_name = excluded.last_name, first_name = excluded.first_name,
        date_of_birth = excluded.date_of_birth;
end;
$$;
comment on function app_private.index_patients(patients app_public.patient[]) is 'Copies the searchable text (without accents: search_key; each name also without its hyphens, apostrophes and dots, name_unpunctuated, where that differs), sort keys and date of birth of `patients` into patient_search (insert or update).';
revoke all on function app_private.index_patients(patients app_public.patient[]) from public;
comment on column app_private.patient_search.search_text is 'The patient''s names, code and phone as search_patients matches them: search_key of patient.search_text (lower case, without accents), then each name without its hyphens, apostrophes and dots where that differs (name_unpunctuated).';

select app_private.index_patients(array(
  select p from app_public.patient p
  where app_hidden.name_unpunctuated(app_hidden.search_key(p.first_name)) <> app_hidden.search_key(p.first_name)
     or app_hidden.name_unpunctuated(app_hidden.search_key(p.last_name)) <> app_hidden.search_key(p.last_name)));

create or replace function app_hidden.patients_matching(query text)
  returns table (patient_id uuid, exact_code boolean, last_name text, first_name text)
  language plpgsql stable security definer rows 50
  set search_path to pg_catalog, public, pg_temp
as $_$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_trimmed text := btrim(query);
  -- a code typed without its hyphen is the code
  v_typed text := case when v_trimmed ~ '^[[:alnum:]]{1,8}[0-9]{6}$' and v_trimmed !~ '^[0-9]+$'
    then regexp_replace(v_trimmed, '([0-9]{6})$', '-\1') else v_trimmed end;
  v_key text := app_hidden.search_key(v_typed);
  v_words text[] := array(select distinct w from regexp_split_to_table(v_key, '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000,]+') w where w <> '');
  -- what a patient's text must contain, all of it: each word on its own when one has 3 characters
  -- (the trigram index then finds them), else the query as typed, of 2 characters at least
  v_patterns text[] := case
    when exists (select from unnest(v_words) w where char_length(w) >= 3)
      then array(select app_hidden.contains_pattern(w) from unnest(v_words) w)
    when char_length(v_key) >= 2 then array[app_hidden.contains_pattern(v_key)]
    else '{}' end;
  -- each of those words without its hyphens, apostrophes and dots (o'brien: obrien), which a name without them in the
  -- patient's text matches instead: null where that is the word (or nothing); the query's short words as typed
  v_unpunctuated text[] := case
    when exists (select from unnest(v_words) w where char_length(w) >= 3)
      then array(select app_hidden.contains_pattern(nullif(nullif(app_hidden.name_unpunctuated(w), w), '')) from unnest(v_words) w)
    else '{}' end;
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  if char_length(v_typed) between 2 and 100 and (cardinality(v_patterns) > 0 or v_phone_pattern is not null) then
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034); one condition per pattern, named by its place in $2 (or its
    -- word without its punctuation, in $5)
    return query execute format(
      'select s.patient_id, s.code = upper($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and ((%s) or s.search_text like $3)',
      coalesce((select string_agg(case when v_unpunctuated[i] is null then format('s.search_text like $2[%s]', i)
                                       else format('(s.search_text like $2[%1$s] or s.search_text like $5[%1$s])', i) end, ' and ')
                from generate_subscripts(v_patterns, 1) i), 'false'))
      using v_clinic_id, v_patterns, v_phone_pattern, v_typed, v_unpunctuated;
  end if;
end;
$_$;
comment on function app_hidden.patients_matching(query text) is 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas; a word with hyphens, apostrophes or dots in it also without them, name_unpunctuated, as each name also is in the search''s text: obrien finds O''Brien, o.brien OBrien), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_term). A code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code. `query` is 2 to 100 characters; any case, accents aside (search_key); deleted patients included. With what search_patients orders them by: whether the code is `query` exactly, then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
revoke all on function app_hidden.patients_matching(query text) from public;
grant execute on function app_hidden.patients_matching(query text) to :DATABASE_VISITOR;

-- The live queue hears a patient renamed at each of their visits under way
--
-- The queue is told of a visit booked, stepped, moved, handed over or given another patient or reason (000060, 000128),
-- and each event reads the visit with its patient's name, as the screens show it. A patient's name corrected at the desk
-- while they waited (a misspelling, a married name) was no event: the doctor's and the other desks' queues kept the old
-- name until they read their lists again. Now a change of a patient's first or last name tells the queue of each of
-- their visits still under way (scheduled, checked in, in progress), with its status now; a visit that ended, and any
-- other change of the patient, stay silent.
create or replace function app_private.tg_patient__notify_visits() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_channel text := app_private.visit_queue_channel(new.clinic_id);
begin
  if v_channel is not null then -- without the key no one listens: the patient is written all the same
    perform pg_notify(v_channel, json_build_object('id', v.id, 'status', v.status)::text)
    from app_public.visit v
    where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status in ('scheduled', 'checked_in', 'in_progress');
  end if;
  return null;
end;
$$;
comment on function app_private.tg_patient__notify_visits() is 'AFTER UPDATE OF first_name, last_name on patients, when either changed: tells subscribers of the clinic''s visit queue (visitQueueChanged) of each of the patient''s visits still under way (scheduled, checked in, in progress), with its id and status now, on the clinic''s secret channel (visit_queue_channel), so that the queues show the name as it is now. Without the key, nothing is sent.';
revoke all on function app_private.tg_patient__notify_visits() from public;
drop trigger if exists _700_notify_visits on app_public.patient;
create trigger _700_notify_visits after update of first_name, last_name on app_public.patient
  for each row when (new.first_name is distinct from old.first_name or new.last_name is distinct from old.last_name)
  execute function app_private.tg_patient__notify_visits();
comment on trigger _700_notify_visits on app_public.patient is 'A patient renamed: the live queue hears of each of their visits under way (tg_patient__notify_visits).';

-- The duplicate warning flags names entered the other way round
--
-- A patient registered as Neema Kilewo and registered again with the surname typed as the first name (Kilewo Neema,
-- as many forms and people give the surname first), born the same day, was not flagged: the warning compared the
-- first name with the first name only, and the front desk made a second record. Now the names are also compared
-- crossed (the first with the other's last, the last with the other's first), probed in the same index.
create or replace function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text)
  returns setof uuid
  language plpgsql stable security definer rows 2
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- as typed, and the other way round: two probes of patient_search_dob_names_idx
  return query select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.last_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.first_name)
    union
    select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.first_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.last_name);
end;
$$;
comment on function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) is 'The ids of the current clinic''s patients born on `date_of_birth` with these names, as name_key compares them, or with them the other way round (the first name as the last, the last as the first), each once (deleted patients included): probed in patient_search_dob_names_idx by the clinic, the date and both names, where no policy keeps name_key out of the probe. For find_patient_duplicates, which reads the patients through RLS.';
revoke all on function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) from public;
grant execute on function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) to :DATABASE_VISITOR;
