--! Previous: sha1:be5762c8a369b09a5a5bf1b05dcec704e6a64d90
--! Hash: sha1:4dac617f12938143ca3aa1bb9538770c4436fa72
--! Message: The PDFs print the clinic's texts as typed

-- The PDFs print the clinic's texts as typed, without the control characters kept before 000383
--
-- 000383 keeps every free text written from then on without the control characters no keyboard types (the C0 controls
-- but the tab, line feed and carriage return, DEL, the C1 controls, and the bidirectional embeddings, overrides and
-- isolates: app_hidden.text_as_typed), and the CSVs take them out of the texts kept before (csv_safe). The PDFs' documents
-- did not: an issued invoice's line description or a payment's reference kept before 000383 (never written again: an
-- issued invoice's lines and its payments do not change) went into every PDF of it as kept, and a right-to-left override
-- reversed the rest of its line, a description kept as "Consultation <RLO>000,01 SZT dias" printing "Consultation said
-- TZS 10,000" beside the line's real amount. Now the documents (clinic_header, invoice_document, reconciliation_document)
-- give every text the clinic typed, and every code, through text_as_typed, as the CSVs write them.

create or replace function app_private.clinic_header(clinic_id uuid) returns jsonb
language sql stable security definer set search_path to pg_catalog, public, pg_temp as $$
  select jsonb_build_object('name', app_hidden.text_as_typed(c.name), 'address', app_hidden.text_as_typed(c.address), 'phone', c.phone,
    'email', app_hidden.text_as_typed(c.email),
    'currency', c.currency, 'decimals', app_public.currency_decimals(c.currency), 'timezone', c.timezone, 'locale', c.locale,
    'footer', app_hidden.text_as_typed(c.invoice_footer))
  from app_public.clinic c where c.id = clinic_header.clinic_id;
$$;
revoke all on function app_private.clinic_header(uuid) from public;
comment on function app_private.clinic_header(uuid) is 'What every document prints about the clinic, with the decimals of its currency (currency_decimals) that the clinic''s amounts (a day''s, a month''s) are printed in; an invoice''s are in its own currency''s (invoice_document). Its name, address, e-mail and footer as typed (app_hidden.text_as_typed), without the control characters kept before 000383.';

create or replace function app_private.invoice_document(clinic_id uuid, invoice_id uuid) returns jsonb
language sql stable security definer set search_path to pg_catalog, public, pg_temp as $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(i.clinic_id),
    'invoice', jsonb_build_object('code', app_hidden.text_as_typed(i.code), 'status', i.status, 'currency', i.currency,
      'decimals', app_public.currency_decimals(i.currency),
      'issuedAt', i.issued_at, 'createdAt', i.created_at, 'subtotal', i.subtotal, 'discountTotal', i.discount_total, 'taxTotal', i.tax_total,
      'total', i.total, 'amountPaid', i.amount_paid, 'balance', i.balance, 'notes', app_hidden.text_as_typed(i.notes),
      'voidReason', app_hidden.text_as_typed(i.void_reason)),
    -- a deleted patient's phone and address are for owners and admins, and the file is the clinic's money roles' too
    'patient', jsonb_build_object('code', app_hidden.text_as_typed(p.code), 'name', app_hidden.text_as_typed(p.first_name || ' ' || p.last_name),
      'phone', case when p.deleted_at is null then p.phone end,
      'address', case when p.deleted_at is null then app_hidden.text_as_typed(p.address) end),
    'lines', (select coalesce(jsonb_agg(jsonb_build_object('description', app_hidden.text_as_typed(l.description), 'quantity', l.quantity,
                'unitPrice', l.unit_price, 'discount', l.discount, 'taxRate', l.tax_rate, 'tax', l.line_tax, 'total', l.line_total)
                order by l.position), '[]')
              from app_public.invoice_line l
              where l.clinic_id = i.clinic_id and l.invoice_id = i.id),
    'payments', (select coalesce(jsonb_agg(jsonb_build_object('code', app_hidden.text_as_typed(m.code), 'kind', m.kind, 'method', m.method,
                   'amount', m.amount, 'at', m.at, 'reference', app_hidden.text_as_typed(m.reference))
                   order by m.at, m.code collate app_hidden.digits_as_numbers), '[]')
                 from (select p2.code, 'payment' as kind, p2.method, p2.amount, p2.received_at as at, p2.reference from app_public.payment p2
                       where p2.clinic_id = i.clinic_id and p2.invoice_id = i.id
                       union all
                       select r.code, 'refund', r.method, -r.amount, r.refunded_at, r.reason from app_public.refund r
                       where r.clinic_id = i.clinic_id and r.invoice_id = i.id) m))
  from app_public.invoice i
  join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
  where i.clinic_id = invoice_document.clinic_id and i.id = invoice_document.invoice_id;
$$;
revoke all on function app_private.invoice_document(uuid, uuid) from public;
comment on function app_private.invoice_document(uuid, uuid) is 'Everything an invoice PDF prints: clinic header, patient, lines, taxes, payments and refunds (in time order, those of one instant in number order of their codes), balance, footer; the invoice''s currency with the decimals of it (currency_decimals) that every amount of the invoice is printed in, which are not the clinic''s when its currency changed before 000066. A deleted patient is given by name (as invoice_patient_name gives it to every role that sees the invoice) and code alone: their phone and address are for owners and admins. Every text the clinic typed, and every code, as typed (app_hidden.text_as_typed), without the control characters kept before 000383: a right-to-left override kept in a line''s description reversed what followed it on the PDF.';

create or replace function app_private.reconciliation_document(clinic_id uuid, business_date date) returns jsonb
language sql stable security definer set search_path to pg_catalog, public, pg_temp as $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(reconciliation_document.clinic_id),
    'businessDate', reconciliation_document.business_date,
    'day', (select to_jsonb(d) || jsonb_build_object('notes', app_hidden.text_as_typed(d.notes), 'reopen_reason', app_hidden.text_as_typed(d.reopen_reason))
            from app_public.daily_reconciliation d
            where d.clinic_id = reconciliation_document.clinic_id and d.business_date = reconciliation_document.business_date),
    'expected', (select to_jsonb(t) from app_private.expected_totals(reconciliation_document.clinic_id, reconciliation_document.business_date) t));
$$;
revoke all on function app_private.reconciliation_document(uuid, date) from public;
comment on function app_private.reconciliation_document(uuid, date) is 'Everything a daily reconciliation sheet prints: expected per method (live when the day has no row yet), counted, differences, notes. Its notes and reopening reason as typed (app_hidden.text_as_typed), without the control characters kept before 000383.';
