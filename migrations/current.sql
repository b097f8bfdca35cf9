-- Money taken after an evening's close and a move of the clinic east lands on its open day, not refused
--
-- A day closed at its evening's cash-up, and the clinic's time zone then moved east (St. John's to Kathmandu, Pago Pago
-- to Kiritimati), left the rest of that day's hours, as the zone it was closed in reads them, in the new zone's next
-- day, open. Every payment and refund taken then was DAY_CLOSED ("That time is within the business day of … (in …, the
-- time zone it was closed in), which is closed …") until the old zone's midnight (from St. John's to Kathmandu, the
-- new day's morning until 09:15), unless an owner reopened a day counted right. Money of those hours taken after the
-- count was never in the drawer counted: it is now taken on the open day it falls on in the clinic's zone. Money dated
-- back to before the count, within the closed day's hours, is still refused (000161), and money of the closed day's own
-- date too: the closed day keeps what it counted.
create or replace function app_private.tg__money_day() RETURNS trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
  v_clinic uuid := (v_row ->> 'clinic_id')::uuid;
  v_days date[];
  v_moved boolean := tg_op = 'INSERT'
    or (tg_op = 'UPDATE' and v_at is distinct from coalesce(to_jsonb(old) ->> 'received_at', to_jsonb(old) ->> 'refunded_at')::timestamptz);
  v_closed app_public.daily_reconciliation;
begin
  -- the day the money moved, in the clinic's time zone then; a later change of the zone, or of the
  -- method, leaves it on that day (which a reconciliation may have counted)
  if v_moved then
    new.business_date := app_hidden.business_date(new.clinic_id, v_at);
  elsif tg_op = 'UPDATE' then
    new.business_date := old.business_date;
  end if;
  v_days := array_remove(array[
    case when tg_op <> 'DELETE' then new.business_date end,
    case when tg_op <> 'INSERT' then old.business_date end], null);
  -- Waits for a close of these days in flight; once we hold the lock, no close starts until we commit.
  perform app_private.lock_business_day(v_clinic, d, false) from unnest(v_days) d;
  -- in one read: a closed day of these days, first, or (money moved or dated) one whose hours, as the zone it
  -- was closed in reads them, hold its time (a zone changes the date of a moment by two days at most): its date
  -- there, not a range from the day's midnight to the next, which reads a midnight that comes twice (summer time
  -- ending at 01:00, the Azores) as its second pass
  select * into v_closed from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed'
    and (d.business_date = any (v_days)
      or (v_moved and d.business_date between new.business_date - 2 and new.business_date + 2
          and (v_at at time zone d.closed_in_time_zone)::date = d.business_date
          -- before the count: money of its hours taken after it (the day closed at its evening's cash-up, then the
          -- zone moved east) was never in the drawer counted, and belongs to the open day it falls on now
          and (d.closed_at is null or v_at < d.closed_at)))
  order by d.business_date = any (v_days) desc
  limit 1;
  -- naming the day, and who reopens it (it said neither)
  if found and v_closed.business_date = any (v_days) then
    raise exception 'The business day % is closed: its payments and refunds can no longer change, unless an owner reopens it.', v_closed.business_date
      using errcode = 'CDAYC';
  elsif found then
    raise exception 'That time is within the business day of % (in %, the time zone it was closed in), which is closed: its payments and refunds can no longer change, unless an owner reopens it.',
      v_closed.business_date, v_closed.closed_in_time_zone using errcode = 'CDAYC';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg__money_day() is 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone when the money moves (kept by later updates unless its time is corrected), locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED), and money moved or dated within the hours of a day closed in another time zone, as that zone reads them, before the day was closed (money of those hours taken after its count is the open day''s it falls on).';
comment on column app_public.daily_reconciliation.closed_in_time_zone is 'The clinic''s time zone when the day was closed (null while it is open): its hours as that zone reads them, up to its close, stay closed to money moved or dated in them after a change of the clinic''s time zone (money of those hours taken after the close is the open day''s it falls on).';

-- Names and codes pasted or typed in compatibility forms (a PDF's Arabic, full-width, half-width) are found and flagged
--
-- A name copied from a PDF referral letter or an old system comes in Arabic presentation forms (ﻋﻼﺀ for علاء, the
-- lam-alef and Allah ligatures ﻻ and ﷲ among them), a name from an old Japanese system in half-width katakana (ﾀﾅｶ for
-- タナカ), a code typed with a Japanese or Chinese input method in full-width forms (ＰＡＴ－１２): the search found no
-- one by them (a full-width code typed in full came after the patients named after it), and the duplicate warning
-- missed the patient by names and birth date, so the front desk registered them again; a patient registered from
-- such a paste was not found as the name is typed. search_key now reads text in Unicode's compatibility form (NFKC,
-- on a UTF-8 server) before its other folds, as Unicode's own matching does: presentation forms are their letters,
-- half-width and full-width forms, ligatures, superscripts and circled signs their plain characters. A spacing accent
-- typed for an apostrophe (O´Brien), which NFKC reads as a space and an accent, stays no space. The search's copy of
-- the patients with such text in their names, code or phone is made again, and the index of the names' keys rebuilt,
-- as search_key is immutable.
create or replace function app_hidden.search_key(text text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  -- compatibility forms as their plain characters (NFKC), then without the space NFKC puts before the accent of a
  -- spacing accent (´ is a space and an acute), composed again (NFC)
  select translate(regexp_replace(
    public.unaccent('public.unaccent'::regdictionary,
      lower(case when current_setting('server_encoding') = 'UTF8'
        then normalize(regexp_replace(normalize(search_key.text, nfkc), ' ([\u0300-\u036F\u064B-\u065F\u0670\u3099\u309A])', '\1', 'g'), nfc)
        else search_key.text end)),
    '[\u064B-\u065F\u0670\u0640]', '', 'g'), 'آأإٱىیکة', 'ااااييكه');
$$;
comment on function app_hidden.search_key(text) is 'Text as the patient search and the duplicate warning compare it: in Unicode''s compatibility form (NFKC, on a UTF-8 server: Arabic presentation forms as their letters, ﻋﻼﺀ is علاء and ﷲ الله; half-width and full-width forms, ligatures, superscripts and circled signs as their plain characters, ﾀﾅｶ is タナカ, ＰＡＴ－１２ pat-12, ﬁ fi), a spacing accent no space (O´Brien is one word), lower case, without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й), and Arabic script without its vowel marks and tatweel, its alef forms as one alef, alef maksura and Persian yeh as yeh, Persian kaf as kaf, teh marbuta as heh (مُحَمَّد is محمد, أحمد احمد, يحيى يحيي, فاطمة فاطمه). Immutable: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade, whose Unicode tables NFKC also reads, or a change here) calls for a REINDEX of patient_search_dob_names_idx.';

-- the patients whose names, code or phone search_key now reads otherwise: text NFKC changes, or a space before an
-- accent
select app_private.index_patients(array(
  select p from app_public.patient p
  where case when current_setting('server_encoding') = 'UTF8'
    then (p.first_name || ' ' || p.last_name || ' ' || p.search_text) is not nfkc normalized
      or p.search_text ~ ' [\u0300-\u036F\u064B-\u065F\u0670\u3099\u309A]'
    else false end));
reindex index app_private.patient_search_dob_names_idx;

-- A code typed in full-width forms (a Japanese or Chinese input method) is the code
--
-- ＰＡＴ－１２ and ｐａｔ０００００１ were no code to the search: typed short or without the hyphen they found no one,
-- typed in full (ＰＡＴ－００００１２) the patient came after those named after the code. The search now reads the
-- query in Unicode's compatibility form (NFKC, on a UTF-8 server), as search_key does, before it looks for a code.
create or replace function app_hidden.patients_matching(query text)
  returns table (patient_id uuid, exact_code boolean, last_name text, first_name text)
  language plpgsql stable security definer rows 50
  set search_path to pg_catalog, public, pg_temp
as $_$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  -- in Unicode's compatibility form (NFKC, on a UTF-8 server), as search_key reads it: a code typed with a Japanese or
  -- Chinese input method (ＰＡＴ－１２, ｐａｔ０００００１) is the code typed in ASCII
  v_trimmed text := btrim(case when current_setting('server_encoding') = 'UTF8' then normalize(query, nfkc) else query end);
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
  -- a code typed short (pat-12, PAT 12, pat12: a prefix of 1 to 8 letters or digits, then 1 to 6 digits): its prefix
  -- and its digits, or null
  v_short text[] := regexp_match(v_trimmed, '^([[:alnum:]]{1,8}?)[-[:space:]]*([0-9]{1,6})$');
  -- the clinic's patient prefix, read only for a query that may be a code
  v_prefix text := case when v_short is not null then
    (select coalesce(k.code_prefixes ->> 'PAT', 'PAT') from app_public.clinic k where k.id = v_clinic_id) end;
  -- the codes it may be, as codes are written (PAT-000012): with the clinic's patient prefix as the clinic writes it
  -- (pt-000012) when that is the prefix typed, in any case; with the prefix typed, as typed, in upper and in lower
  -- case, when it has a letter in it (a prefix the clinic had before: its patients keep their codes)
  v_codes text[] := array(
    select distinct prefix || '-' || lpad(v_short[2], 6, '0')
    from unnest(case when lower(v_short[1]) = lower(v_prefix) then array[v_prefix] end
                || case when v_short[1] ~ '[[:alpha:]]' then array[v_short[1], upper(v_short[1]), lower(v_short[1])] end) prefix);
  v_coded uuid[] := '{}';
  v_id uuid;
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  if char_length(v_typed) between 2 and 100 and (cardinality(v_patterns) > 0 or v_phone_pattern is not null) then
    -- the patients of the code typed short, by the code's own index, apart from the words' search (an arm of it made a
    -- plan read the whole table where the words alone read the trigram index)
    if cardinality(v_codes) > 0 then
      v_coded := array(select p.id from app_public.patient p where p.clinic_id = v_clinic_id and p.code = any (v_codes));
    end if;
    foreach v_id in array v_coded loop
      return query select coded.patient_id, true, coded.last_name, coded.first_name from app_private.patient_search coded
        where coded.clinic_id = v_clinic_id and coded.patient_id = v_id;
    end loop;
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034); one condition per pattern, named by its place in $2 (or its
    -- word without its punctuation, in $5); the patients of the code typed short ($6) listed once, above
    return query execute format(
      'select s.patient_id, lower(s.code) = lower($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and ((%s) or s.search_text like $3) %s',
      coalesce((select string_agg(case when v_unpunctuated[i] is null then format('s.search_text like $2[%s]', i)
                                       else format('(s.search_text like $2[%1$s] or s.search_text like $5[%1$s])', i) end, ' and ')
                from generate_subscripts(v_patterns, 1) i), 'false'),
      -- only when a code found a patient: the statement of any other search is the one before 000285
      case when cardinality(v_coded) > 0 then 'and s.patient_id <> all ($6)' else '' end)
      using v_clinic_id, v_patterns, v_phone_pattern, v_typed, v_unpunctuated, v_coded;
  end if;
end;
$_$;
comment on function app_hidden.patients_matching(query text) is 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas; a word with hyphens, apostrophes or dots in it also without them, name_unpunctuated, as each name also is in the search''s text: obrien finds O''Brien, o.brien OBrien), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_term). A code typed in full-width forms (ＰＡＴ－１２, by a Japanese or Chinese input method) is read as typed in ASCII (NFKC, on a UTF-8 server); a code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code, and so is one typed without its leading zeros (pat-12, PAT 12, pat12: the clinic''s patient prefix in any case, or a prefix with a letter in it as typed, in upper or in lower case, such as one the clinic had before, then 1 to 6 digits, is PAT-000012), its patient found by the code''s own index apart from the words'' search. `query` is 2 to 100 characters; any case, accents aside (search_key); deleted patients included in the words'' search. With what search_patients orders them by: whether the code is `query` (or the code typed short) exactly, in any case (true or false, never null), then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
