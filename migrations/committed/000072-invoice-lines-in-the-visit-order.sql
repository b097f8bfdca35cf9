--! Previous: sha1:4aeefba9297f41b750a493feb9dc6077973166b9
--! Hash: sha1:93e1c77e0210c492687f9ed416ba82925764185c
--! Message: Invoice lines in the order of the visit

-- The lines of an invoice made from a visit print in the order the visit was given its services: made
-- together, they share one time, and were ordered by their random ids after it.
create or replace function app_private.invoice_document(clinic_id uuid, invoice_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select jsonb_build_object(
    'clinic', app_private.clinic_header(i.clinic_id),
    'invoice', jsonb_build_object('code', i.code, 'status', i.status, 'currency', i.currency, 'issuedAt', i.issued_at,
      'createdAt', i.created_at, 'subtotal', i.subtotal, 'discountTotal', i.discount_total, 'taxTotal', i.tax_total,
      'total', i.total, 'amountPaid', i.amount_paid, 'balance', i.balance, 'notes', i.notes, 'voidReason', i.void_reason),
    'patient', jsonb_build_object('code', p.code, 'name', p.first_name || ' ' || p.last_name, 'phone', p.phone, 'address', p.address),
    'lines', (select coalesce(jsonb_agg(jsonb_build_object('description', l.description, 'quantity', l.quantity, 'unitPrice', l.unit_price,
                'discount', l.discount, 'taxRate', l.tax_rate, 'tax', l.line_tax, 'total', l.line_total)
                order by l.created_at, vs.created_at, l.id), '[]')
              from app_public.invoice_line l
              left join app_public.visit_service vs on vs.clinic_id = l.clinic_id and vs.id = l.visit_service_id
              where l.clinic_id = i.clinic_id and l.invoice_id = i.id),
    'payments', (select coalesce(jsonb_agg(jsonb_build_object('code', m.code, 'kind', m.kind, 'method', m.method, 'amount', m.amount, 'at', m.at) order by m.at), '[]')
                 from (select p2.code, 'payment' as kind, p2.method, p2.amount, p2.received_at as at from app_public.payment p2
                       where p2.clinic_id = i.clinic_id and p2.invoice_id = i.id
                       union all
                       select r.code, 'refund', r.method, -r.amount, r.refunded_at from app_public.refund r
                       where r.clinic_id = i.clinic_id and r.invoice_id = i.id) m))
  from app_public.invoice i
  join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
  where i.clinic_id = invoice_document.clinic_id and i.id = invoice_document.invoice_id;
$$;
