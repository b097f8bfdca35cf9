--! Previous: sha1:e933b4e76af6fb416a640eb5c0e84b3291f1b6c9
--! Hash: sha1:2a12d42fd8dd7d43f1535579dd7cc3e351485ecc
--! Message: A deleted patient's invoice document gives their name and code, not their phone and address

-- A deleted patient's invoice document gives their name and code, not their phone and address
--
-- A deleted patient is hidden from every role but owners and admins (deletedPatients, the patients' select policy): a
-- cashier is told their name on their visits and invoices (patientName), nothing of their record. Yet the invoice PDF,
-- which a cashier asks for and downloads, printed the deleted patient's phone and address under "Bill to": a cashier
-- read on a copy of a paid invoice what the owner had taken out of everyone's sight. The document of a deleted
-- patient's invoice now gives their name (as patientName) and code alone; restored, their phone and address print
-- again. An invoice PDF is made from the clinic and the patient as they are when it is asked for (exports.md).

create or replace function app_private.invoice_document(clinic_id uuid, invoice_id uuid) returns jsonb
language sql stable security definer set search_path to pg_catalog, public, pg_temp as $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(i.clinic_id),
    'invoice', jsonb_build_object('code', i.code, 'status', i.status, 'currency', i.currency, 'decimals', app_public.currency_decimals(i.currency),
      'issuedAt', i.issued_at, 'createdAt', i.created_at, 'subtotal', i.subtotal, 'discountTotal', i.discount_total, 'taxTotal', i.tax_total,
      'total', i.total, 'amountPaid', i.amount_paid, 'balance', i.balance, 'notes', i.notes, 'voidReason', i.void_reason),
    -- a deleted patient's phone and address are for owners and admins, and the file is the clinic's money roles' too
    'patient', jsonb_build_object('code', p.code, 'name', p.first_name || ' ' || p.last_name,
      'phone', case when p.deleted_at is null then p.phone end, 'address', case when p.deleted_at is null then p.address end),
    'lines', (select coalesce(jsonb_agg(jsonb_build_object('description', l.description, 'quantity', l.quantity, 'unitPrice', l.unit_price,
                'discount', l.discount, 'taxRate', l.tax_rate, 'tax', l.line_tax, 'total', l.line_total)
                order by l.position), '[]')
              from app_public.invoice_line l
              where l.clinic_id = i.clinic_id and l.invoice_id = i.id),
    'payments', (select coalesce(jsonb_agg(jsonb_build_object('code', m.code, 'kind', m.kind, 'method', m.method, 'amount', m.amount, 'at', m.at,
                   'reference', m.reference) order by m.at, m.code collate app_hidden.digits_as_numbers), '[]')
                 from (select p2.code, 'payment' as kind, p2.method, p2.amount, p2.received_at as at, p2.reference from app_public.payment p2
                       where p2.clinic_id = i.clinic_id and p2.invoice_id = i.id
                       union all
                       select r.code, 'refund', r.method, -r.amount, r.refunded_at, r.reason from app_public.refund r
                       where r.clinic_id = i.clinic_id and r.invoice_id = i.id) m))
  from app_public.invoice i
  join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
  where i.clinic_id = invoice_document.clinic_id and i.id = invoice_document.invoice_id;
$$;
comment on function app_private.invoice_document(uuid, uuid) is 'Everything an invoice PDF prints: clinic header, patient, lines, taxes, payments and refunds (in time order, those of one instant in number order of their codes), balance, footer; the invoice''s currency with the decimals of it (currency_decimals) that every amount of the invoice is printed in, which are not the clinic''s when its currency changed before 000066. A deleted patient is given by name (as invoice_patient_name gives it to every role that sees the invoice) and code alone: their phone and address are for owners and admins.';
