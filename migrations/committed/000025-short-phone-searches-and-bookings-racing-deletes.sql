--! Previous: sha1:cac502e04769e73072f35ae2f1c9fa09715fbd7e
--! Hash: sha1:575f0c62e9a7a4c5eae4f0b6aeeb8181bb8f3721
--! Message: short phone searches and bookings racing deletes

--------------------------------------------------------------------------------
-- A phone typed as no more than its prefix ("00", "0-", "(0)", "+") is not searched as a phone:
-- it became "+" or "+255", which every phone of the clinic contains, so the search listed them all.
-- Like any search, a phone needs 2 characters of its own: 2 digits after the 00, +, or trunk 0.

create or replace function app_hidden.phone_search_term(query text, calling_code app_public.calling_code) returns text
language sql immutable parallel safe
as $$
  select case
    when t.typed !~ '[0-9]' or t.typed ~ '[^0-9[:space:]()./+-]' then null -- not a phone: names and codes are matched as typed
    when char_length(regexp_replace(n.own, '[^0-9]', '', 'g')) < 2 then null -- no more than a prefix
    else n.prefix || n.own
  end
  from (select btrim(query) as typed, regexp_replace(btrim(query), '[[:space:]()./-]', '', 'g') as digits) t
  cross join lateral (
    select
      case
        when t.digits like '00%' then '+' -- international, 00 for +
        when t.digits like '0%' and calling_code is not null then '+' || calling_code -- national: trunk 0 for the country
        else ''
      end as prefix,
      case
        when t.digits like '00%' then substr(t.digits, 3)
        when t.digits like '0%' then substr(t.digits, 2)
        else t.digits
      end as own
  ) n;
$$;
comment on function app_hidden.phone_search_term(text, app_public.calling_code) is 'A patient search typed as a phone, or part of one, in the E.164 form phones are kept in, without separators (0712 345 678 → +255712345678 with calling code 255; 00255 712 → +255712; 345-678 → 345678); null when the query is not phone-like (it has letters, or no digit) or has fewer than 2 digits after its 00, + or trunk 0 (00, 0-, +2: every phone would match).';

--------------------------------------------------------------------------------
-- A booking (or an invoice) and a delete of its patient at once could both commit: the check read
-- the patient before the delete committed. It now runs after the foreign key's check, which locks
-- the patient's row (FOR KEY SHARE, past RLS) against every delete (soft_delete locks the row FOR
-- UPDATE, a DELETE before its trigger runs): a delete in flight is waited for and then seen, and a
-- delete that comes later waits for the booking. AFTER row triggers fire in name order, and the
-- foreign key's (RI_ConstraintTrigger_c_…) sort before ours (_…).

drop trigger _160_patient_not_deleted on app_public.visit;
drop trigger _160_patient_not_deleted on app_public.invoice;
create trigger _450_patient_not_deleted after insert or update of patient_id on app_public.visit
  for each row execute function app_private.tg__patient_not_deleted();
create trigger _450_patient_not_deleted after insert or update of patient_id on app_public.invoice
  for each row execute function app_private.tg__patient_not_deleted();

comment on function app_private.tg__patient_not_deleted() is 'AFTER INSERT OR UPDATE OF patient_id on visits and invoices, after the foreign key''s check has locked the patient''s row: the patient is not deleted (INVALID_INPUT), nor being deleted (the check waits for that delete and then refuses).';
