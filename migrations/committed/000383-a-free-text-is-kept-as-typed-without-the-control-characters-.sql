--! Previous: sha1:cd232624801a9d4b9f5b86f880cdb3328dd4a031
--! Hash: sha1:10e366eda10475c7b63e3abcb4ea566063349721
--! Message: A free text is kept as typed, without the control characters no keyboard types

-- A free text is kept as typed, without the control characters no keyboard types
--
-- Names lose their control characters (name_as_meant, 000156) and the CSV cells theirs (csv_safe, 000371), but the
-- other free texts were kept with them: a patient's notes or address, a visit's reason, a clinic's address and footer,
-- an invoice's notes, a line's description, a payment's reference, a refund's, void's and reopened day's reason and a
-- day's notes kept an escape sequence (ESC "[2J"), a bell or a right-to-left override as sent. An analyst's psql prints
-- them raw (the reconciliations' notes, the reasons of the reporting views), and ESC[2J cleared the screen, an OSC
-- sequence renamed the terminal's window; the invoice PDF, the API and the audit log carried them too. They are out of
-- every such text written from now on, by csv_safe's one rule, now a function of its own (app_hidden.text_as_typed):
-- the C0 controls but the tab, line feed and carriage return (a multi-line note stays whole), DEL, the C1 controls and
-- the bidirectional embeddings, overrides and isolates. text_or_null, through which the reasons, the reference and the
-- clinic's contact are kept already, applies it first; so a reason of a control character alone is none, as a name is.
create or replace function app_hidden.text_as_typed(value text) returns text
  language sql immutable parallel safe
as $$
  select regexp_replace(value, '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]', '', 'g');
$$;
comment on function app_hidden.text_as_typed(text) is
  'A free text as a keyboard types it: without the control characters but the tab, line feed and carriage return (an escape sequence, a bell, a backspace, a vertical tab or form feed), DEL, the C1 controls, nor the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069); its line breaks, tabs and direction marks kept. The one rule of text_or_null, tg__texts_as_typed and csv_safe.';

create or replace function app_hidden.text_or_null(value text) returns text
  language sql immutable parallel safe
as $$
  -- white space of any kind, the no-break and zero-width spaces included
  select nullif(regexp_replace(app_hidden.text_as_typed(value), '^[[:space:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+|[[:space:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+$', '', 'g'), '');
$$;
comment on function app_hidden.text_or_null(text) is 'A free text as meant: as typed (text_as_typed: no control characters but tabs and line breaks, no direction overrides), without the white space of any kind around it, and null when nothing else is left.';

create or replace function app_private.csv_safe(value text) returns text
language sql immutable as $$
  select regexp_replace(
    regexp_replace(
      regexp_replace(app_hidden.text_as_typed(value), '^([=+\-@\t\r\n])', '''\1'),
      '([;\t])(?=[=+\-@\t\r\n])', '\1''', 'g'),
    '([\r\n])([=+\-@\t])', '\1''\2', 'g');
$$;
comment on function app_private.csv_safe(text) is 'Makes a typed text safe in a CSV cell: takes out what app_hidden.text_as_typed takes out (control characters but the tab, line feed and carriage return, DEL, C1 controls, bidirectional embeddings, overrides and isolates: an escape sequence coloured or cleared a terminal showing the file), from the texts written before text_as_typed kept them out too; then defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe, and so does what follows a `;` or a tab starting with one of them (where `;` or a tab separates cells, a cell starts there), and a line starting with = + - @ or a tab after a carriage return or line feed (where `;` separates cells, a quote is text and a line break starts a row).';
revoke all on function app_private.csv_safe(text) from public;

-- A clinic's contact as meant by the one rule of free texts
--
-- tg_clinic__contact_as_meant took the direction overrides out of the address and footer by a rule of its own (000151);
-- text_or_null takes them out now, with the control characters, from the email, address and footer alike.
create or replace function app_private.tg_clinic__contact_as_meant() returns trigger
language plpgsql set search_path to pg_catalog, public, pg_temp as $$
begin
  new.email := app_hidden.text_or_null(new.email);
  new.address := app_hidden.text_or_null(new.address);
  new.invoice_footer := app_hidden.text_or_null(new.invoice_footer);
  return new;
end;
$$;
comment on function app_private.tg_clinic__contact_as_meant() is 'Trigger: a clinic''s email, address and invoice footer as meant (text_or_null): without control characters but tabs and line breaks, nor the controls that reorder text (U+202A–U+202E, U+2066–U+2069), nor the white space around them; null when blank; their line breaks kept.';
revoke all on function app_private.tg_clinic__contact_as_meant() from public;

-- The free texts no trigger kept as meant: as typed
--
-- A patient's notes and address, an invoice's notes, a line's description and a day's notes were written as sent,
-- by the API's role (its grants) and by create_invoice, create_invoice_line and close_day. A trigger on each table
-- keeps them as typed (text_as_typed) when they are written: inserted, or set by an update. White space around them
-- stays as it was (a note's own lines and indents). Rows written before keep theirs until the text is next written.
create or replace function app_private.tg__texts_as_typed() returns trigger
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row jsonb := to_jsonb(new);
  v_typed jsonb := '{}';
  v_column text;
begin
  foreach v_column in array tg_argv loop
    v_typed := v_typed || jsonb_build_object(v_column, app_hidden.text_as_typed(v_row ->> v_column));
  end loop;
  return jsonb_populate_record(new, v_typed);
end;
$$;
comment on function app_private.tg__texts_as_typed() is 'BEFORE INSERT or UPDATE OF the columns named as the trigger''s arguments: each free text as typed (app_hidden.text_as_typed: no control characters but tabs and line breaks, no direction overrides), the white space around it kept.';
revoke all on function app_private.tg__texts_as_typed() from public;
drop trigger if exists _150_texts_as_typed on app_public.patient;
create trigger _150_texts_as_typed before insert or update of address, notes on app_public.patient
  for each row execute function app_private.tg__texts_as_typed('address', 'notes');
comment on trigger _150_texts_as_typed on app_public.patient is 'A patient''s address and notes as typed (tg__texts_as_typed).';
drop trigger if exists _150_texts_as_typed on app_public.invoice;
create trigger _150_texts_as_typed before insert or update of notes on app_public.invoice
  for each row execute function app_private.tg__texts_as_typed('notes');
comment on trigger _150_texts_as_typed on app_public.invoice is 'An invoice''s notes as typed (tg__texts_as_typed).';
drop trigger if exists _150_texts_as_typed on app_public.invoice_line;
create trigger _150_texts_as_typed before insert or update of description on app_public.invoice_line
  for each row execute function app_private.tg__texts_as_typed('description');
comment on trigger _150_texts_as_typed on app_public.invoice_line is 'A line''s description as typed (tg__texts_as_typed), before it is checked (_900_description_says_something).';
drop trigger if exists _150_texts_as_typed on app_public.daily_reconciliation;
create trigger _150_texts_as_typed before insert or update of notes on app_public.daily_reconciliation
  for each row execute function app_private.tg__texts_as_typed('notes');
comment on trigger _150_texts_as_typed on app_public.daily_reconciliation is 'A day''s notes as typed (tg__texts_as_typed).';

-- A retry with the same text answers what it made
--
-- create_invoice, create_invoice_line and close_day compare a retry (the same idempotency key, or the same close) with
-- what was kept: the text it sends is read as it would be kept (text_as_typed), so that a retry of a text with a
-- control character is the same invoice, line or close, not CONFLICT or DAY_CLOSED.
create or replace function app_public.create_invoice(invoice app_public.invoice) returns app_public.invoice
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_first app_public.invoice;
  v_made app_public.invoice;
begin
  perform app_private.check_idempotency_key(invoice.idempotency_key, 'invoice');
  if invoice.idempotency_key is not null then
    -- the same key sent twice at once: the second waits for the first, then finds its invoice
    perform pg_advisory_xact_lock(hashtextextended('invoice_key:' || v_clinic || ':' || invoice.idempotency_key, 0));
    select * into v_first from app_public.invoice i where i.clinic_id = v_clinic and i.idempotency_key = create_invoice.invoice.idempotency_key;
    if v_first.id is not null then
      if (v_first.patient_id, v_first.visit_id, v_first.notes) is distinct from (invoice.patient_id, invoice.visit_id, app_hidden.text_as_typed(invoice.notes)) then
        raise exception 'This idempotency key was already used for a different invoice.' using errcode = 'CCONF';
      end if;
      return v_first; -- a retry: the same draft, made once
    end if;
  end if;
  insert into app_public.invoice (patient_id, visit_id, notes, idempotency_key)
  values (invoice.patient_id, invoice.visit_id, invoice.notes, invoice.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;
comment on function app_public.create_invoice(invoice app_public.invoice) is E'@resultFieldName invoice
Makes a draft invoice by hand, for a patient (and the visit it bills, once); add its lines with createInvoiceLine. With an idempotency key, a retry (a double click) returns the first invoice instead of making another (the same key with another patient, visit or notes is CONFLICT; a key of white space alone is INVALID_INPUT). Owners, admins, cashiers, and receptionists if the clinic allows.';
revoke all on function app_public.create_invoice(app_public.invoice) from public;
grant execute on function app_public.create_invoice(app_public.invoice) to :DATABASE_VISITOR;

create or replace function app_public.create_invoice_line(invoice_line app_public.invoice_line) returns app_public.invoice_line
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_line app_public.invoice_line := create_invoice_line.invoice_line;
  v_first app_public.invoice_line;
  v_made app_public.invoice_line;
begin
  perform app_private.check_idempotency_key(v_line.idempotency_key, 'invoice line');
  if v_line.idempotency_key is not null then
    perform pg_advisory_xact_lock(hashtextextended('invoice_line_key:' || v_clinic || ':' || v_line.idempotency_key, 0));
    select * into v_first from app_public.invoice_line l where l.clinic_id = v_clinic and l.idempotency_key = v_line.idempotency_key;
    if v_first.id is not null then
      -- compared on what the retry gives: a description, price or tax rate left out is the first line's, as it took
      -- them from the catalog and the invoice then (they may have changed since); quantity and discount left out are 1 and none
      if (v_first.invoice_id, v_first.service_id, v_first.description, v_first.quantity, v_first.unit_price, v_first.discount, v_first.tax_rate)
         is distinct from (v_line.invoice_id, v_line.service_id, coalesce(app_hidden.text_as_typed(v_line.description), v_first.description),
                           coalesce(v_line.quantity, 1)::numeric(12,3), coalesce(v_line.unit_price::numeric(16,3), v_first.unit_price),
                           coalesce(v_line.discount, 0)::numeric(16,3), coalesce(v_line.tax_rate, v_first.tax_rate)) then
        raise exception 'This idempotency key was already used for a different invoice line.' using errcode = 'CCONF';
      end if;
      return v_first; -- a retry: the line billed once
    end if;
    -- the line made under this key was deleted from its draft: a late retry does not bill it again
    if exists (select 1 from app_private.deleted_invoice_line_key k
               join app_public.invoice i on i.clinic_id = k.clinic_id and i.id = k.invoice_id
               where k.clinic_id = v_clinic and k.idempotency_key = v_line.idempotency_key) then
      raise exception 'The invoice line added with this idempotency key was deleted since: add it again with a new key if it is still meant.'
        using errcode = 'CCONF';
    end if;
  end if;
  insert into app_public.invoice_line (invoice_id, service_id, description, quantity, unit_price, discount, tax_rate, idempotency_key)
  values (v_line.invoice_id, v_line.service_id, v_line.description, coalesce(v_line.quantity, 1), v_line.unit_price, v_line.discount,
          v_line.tax_rate, v_line.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;
comment on function app_public.create_invoice_line(invoice_line app_public.invoice_line) is E'@resultFieldName invoiceLine
Adds a line to a draft invoice: a service of the catalog (its name and price unless given) or one typed by hand (description and unitPrice required); quantity 1 and no discount unless given, the invoice''s tax rate unless given. With an idempotency key, a retry (a double click) returns the first line instead of billing it twice, whatever changed in the catalog since: it is compared on what it gives (another invoice, service, quantity or discount, left out 1 and none, or a description, price or tax rate it gives unlike the line''s is CONFLICT; one it leaves out is the line''s); the key of a line deleted since is CONFLICT, not a new line; a key of white space alone is INVALID_INPUT. Owners, admins, cashiers, and receptionists if the clinic allows.';
revoke all on function app_public.create_invoice_line(app_public.invoice_line) from public;
grant execute on function app_public.create_invoice_line(app_public.invoice_line) to :DATABASE_VISITOR;

create or replace function app_public.close_day(business_date date, counted_cash numeric DEFAULT 0, counted_card numeric DEFAULT 0, counted_bank_transfer numeric DEFAULT 0, counted_mobile_money numeric DEFAULT 0, counted_insurance numeric DEFAULT 0, notes text DEFAULT NULL::text) returns app_public.daily_reconciliation
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
  v_currency text := (select c.currency from app_public.clinic c where c.id = v_clinic);
  -- notes of white space alone (a close form's field left blank) are none given: the day keeps its own
  v_notes text := case when app_hidden.text_or_null(close_day.notes) is not null then app_hidden.text_as_typed(close_day.notes) end;
  v_first date; -- the clinic's first local day, when the day asked for is one before it without money
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
comment on function app_public.close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text) is 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). The same close again (the same counts, and notes when given) answers the day as it was closed; other counts or notes on a closed day are DAY_CLOSED. A day before the clinic''s first local day with no payment or refund, and no row yet, is INVALID_INPUT naming the first day. Owners, admins and cashiers.';
revoke all on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text) from public;
grant execute on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text) to :DATABASE_VISITOR;
