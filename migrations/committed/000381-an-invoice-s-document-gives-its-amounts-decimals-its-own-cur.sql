--! Previous: sha1:cc0182e7a77fba494e6663d2b85187267b33a3fb
--! Hash: sha1:5afeabda3fcd308c324ff811f20f710919e8cca6
--! Message: An invoice's document gives its amounts' decimals, its own currency's

-- An invoice's document gives its amounts' decimals, its own currency's
--
-- An invoice keeps its currency, and a clinic whose currency changed before 000066 has invoices in another currency
-- than its own now. The invoice document gave the decimals of the clinic's currency only (clinic_header), so the PDF
-- of such an invoice printed its amounts in Intl's decimals for the invoice's currency, none for the rupee ("PKR 50.5"
-- of tax beside "PKR 1,000" of subtotal, where the database keeps 2). The document's invoice now gives the decimals of
-- its own currency (currency_decimals), which the template prints every amount of the invoice in.

create or replace function app_private.invoice_document(clinic_id uuid, invoice_id uuid) RETURNS jsonb
language sql stable security definer set search_path to pg_catalog, public, pg_temp as $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(i.clinic_id),
    'invoice', jsonb_build_object('code', i.code, 'status', i.status, 'currency', i.currency, 'decimals', app_public.currency_decimals(i.currency),
      'issuedAt', i.issued_at, 'createdAt', i.created_at, 'subtotal', i.subtotal, 'discountTotal', i.discount_total, 'taxTotal', i.tax_total,
      'total', i.total, 'amountPaid', i.amount_paid, 'balance', i.balance, 'notes', i.notes, 'voidReason', i.void_reason),
    'patient', jsonb_build_object('code', p.code, 'name', p.first_name || ' ' || p.last_name, 'phone', p.phone, 'address', p.address),
    'lines', (select coalesce(jsonb_agg(jsonb_build_object('description', l.description, 'quantity', l.quantity, 'unitPrice', l.unit_price,
                'discount', l.discount, 'taxRate', l.tax_rate, 'tax', l.line_tax, 'total', l.line_total)
                order by l.position), '[]')
              from app_public.invoice_line l
              where l.clinic_id = i.clinic_id and l.invoice_id = i.id),
    'payments', (select coalesce(jsonb_agg(jsonb_build_object('code', m.code, 'kind', m.kind, 'method', m.method, 'amount', m.amount, 'at', m.at,
                   'reference', m.reference) order by m.at, m.code), '[]')
                 from (select p2.code, 'payment' as kind, p2.method, p2.amount, p2.received_at as at, p2.reference from app_public.payment p2
                       where p2.clinic_id = i.clinic_id and p2.invoice_id = i.id
                       union all
                       select r.code, 'refund', r.method, -r.amount, r.refunded_at, r.reason from app_public.refund r
                       where r.clinic_id = i.clinic_id and r.invoice_id = i.id) m))
  from app_public.invoice i
  join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
  where i.clinic_id = invoice_document.clinic_id and i.id = invoice_document.invoice_id;
$$;
comment on function app_private.invoice_document(uuid, uuid) is 'Everything an invoice PDF prints: clinic header, patient, lines, taxes, payments and refunds, balance, footer; the invoice''s currency with the decimals of it (currency_decimals) that every amount of the invoice is printed in, which are not the clinic''s when its currency changed before 000066.';
comment on function app_private.clinic_header(uuid) is 'What every document prints about the clinic, with the decimals of its currency (currency_decimals) that the clinic''s amounts (a day''s, a month''s) are printed in; an invoice''s are in its own currency''s (invoice_document).';
