--! Previous: sha1:b8347fbe833fbaf7cd2dfb296f88372e80a43b9e
--! Hash: sha1:bf35a6837edbf60527453e0f6b91dbeb03ac4286
--! Message: payments in time order with their references

--------------------------------------------------------------------------------
-- Payments are listed in the order they were taken, and carry their references into documents.
--
-- An invoice's payments came back from the API in the random order of their keys (PAY-000002,
-- PAY-000003, PAY-000001), and so did refunds and a clinic's exports; they are now listed by time
-- (payments at the same time by code, exports newest first) unless a list asks otherwise (@defaultOrderBy, server/default-order.ts),
-- each order served by an index. The invoice PDF's "Reference" column printed the payment's code,
-- and the payments CSV had no reference at all: a cashier matching mobile money or card receipts
-- had nothing to match them with. Both now carry the reference typed with the payment, and a
-- refund's reason.

create index if not exists payment_clinic_received_idx on app_public.payment (clinic_id, received_at);
create index if not exists refund_clinic_refunded_idx on app_public.refund (clinic_id, refunded_at);
comment on table app_public.payment is E'@behavior -insert -delete\n@defaultOrderBy RECEIVED_AT_ASC,CODE_ASC\nMoney received against an invoice. Take payments with recordPayment; refunds are their own rows. Listed in the order they were received (at the same time, by code).';
comment on table app_public.refund is E'@behavior -insert -update -delete\n@defaultOrderBy REFUNDED_AT_ASC,CODE_ASC\nMoney given back from a payment, by refundPayment. It counts against its own business day. Listed in the order they were given back (at the same time, by code).';
comment on table app_public.report_export is E'@behavior -insert -update -delete\n@defaultOrderBy REQUESTED_AT_DESC\nA requested export file: requestExport creates it, the worker fills it in, GET /exports/:id downloads it. Listed newest first.';

create or replace function app_private.invoice_document(clinic_id uuid, invoice_id uuid) RETURNS jsonb
language sql stable security definer set search_path to pg_catalog, public, pg_temp as $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(i.clinic_id),
    'invoice', jsonb_build_object('code', i.code, 'status', i.status, 'currency', i.currency, 'issuedAt', i.issued_at,
      'createdAt', i.created_at, 'subtotal', i.subtotal, 'discountTotal', i.discount_total, 'taxTotal', i.tax_total,
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


create or replace function app_private.export_rows(kind app_public.export_kind) RETURNS text
language sql immutable as $_$
  select case kind
    when 'patients_csv' then $q$
      select app_private.csv_safe(p.code) as code, app_private.csv_safe(p.first_name) as first_name,
             app_private.csv_safe(p.last_name) as last_name, p.phone, to_char(p.date_of_birth, 'YYYY-MM-DD') as date_of_birth, p.sex,
             app_private.csv_safe(p.address) as address, to_char(p.created_at at time zone c.timezone, 'YYYY-MM-DD') as registered_on
      from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
      where p.clinic_id = $1 and p.deleted_at is null and (p.created_at at time zone c.timezone)::date between $2 and $3 $q$
    when 'visits_csv' then $q$
      select v.code, p.code as patient_code, app_private.csv_safe(u.full_name) as doctor, v.status,
             to_char(v.scheduled_at at time zone c.timezone, 'YYYY-MM-DD HH24:MI:SS') as scheduled_at, app_private.csv_safe(v.reason) as reason,
             app_private.csv_safe(v.cancel_reason) as cancel_reason
      from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
      join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
      join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
      join app_public."user" u on u.id = m.user_id
      where v.clinic_id = $1 and (v.scheduled_at at time zone c.timezone)::date between $2 and $3 $q$
    when 'invoices_csv' then $q$
      select i.code, p.code as patient_code, i.status, i.currency, i.subtotal, i.discount_total, i.tax_total, i.total,
             i.amount_paid, i.balance, to_char(i.created_at at time zone c.timezone, 'YYYY-MM-DD') as created_on,
             app_private.csv_safe(i.void_reason) as void_reason
      from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
      join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
      where i.clinic_id = $1 and (i.created_at at time zone c.timezone)::date between $2 and $3 $q$
    when 'payments_csv' then $q$
      select m.kind, m.code, m.invoice_code, m.method, m.amount, to_char(m.business_date, 'YYYY-MM-DD') as business_date,
             to_char(m.happened_at, 'YYYY-MM-DD HH24:MI:SS') as happened_at, app_private.csv_safe(m.reference) as reference from (
        select 'payment' as kind, p.code, i.code as invoice_code, p.method, p.amount, p.business_date,
               p.received_at at time zone c.timezone as happened_at, p.reference
        from app_public.payment p join app_public.clinic c on c.id = p.clinic_id
        join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
        where p.clinic_id = $1 and p.business_date between $2 and $3
        union all
        select 'refund', r.code, i.code, r.method, -r.amount, r.business_date, r.refunded_at at time zone c.timezone, r.reason
        from app_public.refund r join app_public.clinic c on c.id = r.clinic_id
        join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id
        where r.clinic_id = $1 and r.business_date between $2 and $3) m $q$
  end;
$_$;
