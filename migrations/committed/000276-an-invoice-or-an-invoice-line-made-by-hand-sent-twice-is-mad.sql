--! Previous: sha1:4c7e9d4cb237eb072281a8b2157d328aa9fb1028
--! Hash: sha1:99110af06b39c9e9ad8c884e23e0a8986d7729c0
--! Message: An invoice or an invoice line made by hand, sent twice, is made once

-- An invoice or an invoice line made by hand, sent twice, is made once
--
-- A receptionist's double click on "new invoice" (or a browser retrying the POST after a dropped connection) made two
-- drafts, each with its number, to be voided one by one, and one on "add line" added the line twice to the draft: once
-- issued, the patient was charged twice for one service. Payments and refunds had an idempotency key; these creations
-- had none (an invoice made from a visit, or by hand naming its visit, is refused a second time already: CONFLICT).
-- Now `createInvoice` and `createInvoiceLine` take an optional `idempotencyKey`, as `recordPayment` does: the same key
-- again answers the first invoice or line (sent at the same moment too: the second waits for the first); the same key
-- for another invoice (patient, visit, notes) or line (invoice, service, description, quantity, price, discount, tax
-- rate, what the retry leaves out compared as the first line took it: the catalog's name and price, quantity 1, no
-- discount, the invoice's tax rate) is CONFLICT; a key of white space alone is INVALID_INPUT; a key is the clinic's
-- (another clinic's same key is its own, and tells nothing), invoices and lines each with keys of their own. The
-- mutations are now the functions create_invoice and create_invoice_line, with the input and payload of the tables'
-- insert mutations they replace (`input: { invoice: { … } }`, `payload { invoice }`; the tables' own hidden), so
-- clients without a key see no change, but for a line's quantity sent as null: 1, as one left out (it was refused as
-- missing). They are definers, as record_payment is, to reach the key's check in app_private; the tables force
-- row-level security, so the policies refuse whoever may not invoice as they refused the inserts, and they write
-- only the columns the API role may insert.
do $$
declare
  v_table text;
begin
  foreach v_table in array array['invoice', 'invoice_line'] loop
    execute format('alter table app_public.%I add column if not exists idempotency_key text', v_table);
    execute format('alter table app_public.%1$I drop constraint if exists %2$I', v_table, v_table || '_idempotency_key_check');
    execute format('alter table app_public.%1$I add constraint %2$I check (char_length(idempotency_key) between 1 and 200)',
                   v_table, v_table || '_idempotency_key_check');
    execute format('alter table app_public.%1$I drop constraint if exists %2$I', v_table, v_table || '_clinic_id_idempotency_key_key');
    execute format('alter table app_public.%1$I add constraint %2$I unique (clinic_id, idempotency_key)',
                   v_table, v_table || '_clinic_id_idempotency_key_key');
  end loop;
end;
$$;
grant insert (idempotency_key) on app_public.invoice, app_public.invoice_line to :DATABASE_VISITOR;
comment on column app_public.invoice.idempotency_key is
  'A key chosen by the client per invoice it means to make by hand: the same key again returns the same invoice.';
comment on constraint invoice_clinic_id_idempotency_key_key on app_public.invoice is E'@behavior -update -delete
An idempotency key names one invoice of the clinic (create_invoice answers it again; another clinic''s key is its own).';
comment on function app_private.check_idempotency_key(key text, what text) is
  'Refuses an idempotency key with nothing visible in it (INVALID_INPUT, naming `what`: payment, refund, invoice, invoice line), before the key is looked up; none at all is none.';
comment on table app_public.invoice is E'@behavior -delete -resource:insert
An invoice to a patient, in the clinic''s currency. Create it with createInvoiceFromVisit or createInvoice and lines; issueInvoice, then payments move it to partially_paid and paid; voidInvoice ends it.';
create or replace function app_public.create_invoice(invoice app_public.invoice) returns app_public.invoice
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
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
      if (v_first.patient_id, v_first.visit_id, v_first.notes) is distinct from (invoice.patient_id, invoice.visit_id, invoice.notes) then
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
comment on column app_public.invoice_line.idempotency_key is
  'A key chosen by the client per line it means to add: the same key again returns the same line.';
comment on constraint invoice_line_clinic_id_idempotency_key_key on app_public.invoice_line is E'@behavior -update -delete
An idempotency key names one invoice line of the clinic (create_invoice_line answers it again; another clinic''s key is its own).';
comment on table app_public.invoice_line is E'@defaultOrderBy INVOICE_ID_ASC,POSITION_ASC
@behavior -resource:insert
A line of an invoice. Lines change only while the invoice is a draft. Listed by invoice, and within an invoice in the order they were added.';
create or replace function app_public.create_invoice_line(invoice_line app_public.invoice_line) returns app_public.invoice_line
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_line app_public.invoice_line := create_invoice_line.invoice_line;
  v_first app_public.invoice_line;
  v_service app_public.service;
  v_tax_rate numeric;
  v_made app_public.invoice_line;
begin
  perform app_private.check_idempotency_key(v_line.idempotency_key, 'invoice line');
  if v_line.idempotency_key is not null then
    perform pg_advisory_xact_lock(hashtextextended('invoice_line_key:' || v_clinic || ':' || v_line.idempotency_key, 0));
    select * into v_first from app_public.invoice_line l where l.clinic_id = v_clinic and l.idempotency_key = v_line.idempotency_key;
    if v_first.id is not null then
      -- what was left out compared as the first line took it: the catalog's name and price, the invoice's tax rate
      select * into v_service from app_public.service s where s.clinic_id = v_clinic and s.id = v_line.service_id;
      select i.tax_rate into v_tax_rate from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_line.invoice_id;
      if (v_first.invoice_id, v_first.service_id, v_first.description, v_first.quantity, v_first.unit_price, v_first.discount, v_first.tax_rate)
         is distinct from (v_line.invoice_id, v_line.service_id, coalesce(v_line.description, v_service.name),
                           coalesce(v_line.quantity, 1)::numeric(12,3), coalesce(v_line.unit_price, v_service.price)::numeric(16,3),
                           coalesce(v_line.discount, 0)::numeric(16,3), coalesce(v_line.tax_rate, v_tax_rate)) then
        raise exception 'This idempotency key was already used for a different invoice line.' using errcode = 'CCONF';
      end if;
      return v_first; -- a retry: the line billed once
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
Adds a line to a draft invoice: a service of the catalog (its name and price unless given) or one typed by hand (description and unitPrice required); quantity 1 and no discount unless given, the invoice''s tax rate unless given. With an idempotency key, a retry (a double click) returns the first line instead of billing it twice (the same key with another invoice, service, description, quantity, price, discount or tax rate is CONFLICT; a key of white space alone is INVALID_INPUT). Owners, admins, cashiers, and receptionists if the clinic allows.';
revoke all on function app_public.create_invoice_line(app_public.invoice_line) from public;
grant execute on function app_public.create_invoice_line(app_public.invoice_line) to :DATABASE_VISITOR;
