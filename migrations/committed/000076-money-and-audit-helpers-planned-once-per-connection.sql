--! Previous: sha1:bfebb08d8c9995db7ae38a16835dae5f1335ba6f
--! Hash: sha1:b7eea918811f93bc6727aa67eab3f69564c1521f
--! Message: money and audit helpers planned once per connection

-- The SQL functions of every payment, refund, invoice line, patient and audit entry, planned once per
-- connection (decision 012). A payment planned refresh_amount_paid, refresh_reconciliation (with
-- expected_totals) and three audit hashes afresh, about 1 ms of its 2.2 ms in the database. Each body is
-- the same statement as before, in PL/pgSQL.

create or replace function app_private.audit_hash(prev_hash text, seq bigint, clinic_id uuid, occurred_at timestamp with time zone, actor_user_id uuid, action text, table_name text, record_id uuid, old_values jsonb, new_values jsonb, detail jsonb) returns text
    language plpgsql immutable
    as $$
begin
  return encode(sha256(convert_to(jsonb_build_array(
    prev_hash, seq, clinic_id, (extract(epoch from occurred_at) * 1000000)::bigint, actor_user_id,
    action, table_name, record_id, old_values, new_values, detail
  )::text, 'UTF8')), 'hex');
end;
$$;

create or replace function app_private.refresh_amount_paid(clinic_id uuid, invoice_id uuid) returns void
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  update app_public.invoice i set amount_paid =
    coalesce((select sum(p.amount) from app_public.payment p where p.clinic_id = i.clinic_id and p.invoice_id = i.id), 0)
    - coalesce((select sum(r.amount) from app_public.refund r where r.clinic_id = i.clinic_id and r.invoice_id = i.id), 0)
  where i.clinic_id = refresh_amount_paid.clinic_id and i.id = refresh_amount_paid.invoice_id;
end;
$$;

create or replace function app_private.refresh_invoice_totals(clinic_id uuid, invoice_id uuid) returns void
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  update app_public.invoice i set
    subtotal = t.subtotal, discount_total = t.discount, tax_total = t.tax, total = t.total
  from (
    select coalesce(sum(l.line_subtotal), 0) as subtotal, coalesce(sum(l.discount), 0) as discount,
           coalesce(sum(l.line_tax), 0) as tax, coalesce(sum(l.line_total), 0) as total
    from app_public.invoice_line l
    where l.clinic_id = refresh_invoice_totals.clinic_id and l.invoice_id = refresh_invoice_totals.invoice_id
  ) t
  where i.clinic_id = refresh_invoice_totals.clinic_id and i.id = refresh_invoice_totals.invoice_id;
end;
$$;

create or replace function app_private.refresh_reconciliation(clinic_id uuid, business_date date) returns void
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  update app_public.daily_reconciliation d set
    expected_cash = t.cash, expected_card = t.card, expected_bank_transfer = t.bank_transfer,
    expected_mobile_money = t.mobile_money, expected_insurance = t.insurance
  from app_private.expected_totals(refresh_reconciliation.clinic_id, refresh_reconciliation.business_date) t
  where d.clinic_id = refresh_reconciliation.clinic_id and d.business_date = refresh_reconciliation.business_date
    and d.status = 'open'
    and (d.expected_cash, d.expected_card, d.expected_bank_transfer, d.expected_mobile_money, d.expected_insurance)
        is distinct from (t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance);
end;
$$;

create or replace function app_private.expected_totals(clinic_id uuid, business_date date) returns table(cash numeric, card numeric, bank_transfer numeric, mobile_money numeric, insurance numeric)
    language plpgsql stable security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  return query
  with movements as (
    select p.method, p.amount from app_public.payment p
    where p.clinic_id = expected_totals.clinic_id and p.business_date = expected_totals.business_date
    union all
    select r.method, -r.amount from app_public.refund r
    where r.clinic_id = expected_totals.clinic_id and r.business_date = expected_totals.business_date
  )
  select coalesce(sum(amount) filter (where method = 'cash'), 0),
         coalesce(sum(amount) filter (where method = 'card'), 0),
         coalesce(sum(amount) filter (where method = 'bank_transfer'), 0),
         coalesce(sum(amount) filter (where method = 'mobile_money'), 0),
         coalesce(sum(amount) filter (where method = 'insurance'), 0)
  from movements;
end;
$$;

create or replace function app_private.add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer) returns void
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  insert into app_private.daily_services as d (clinic_id, local_date, service_id, quantity, amount)
  select l.clinic_id, app_private.local_date(invoice.clinic_id, invoice.created_at), l.service_id, sign * sum(l.quantity), sign * sum(l.line_total)
  from unnest(lines) l
  where l.service_id is not null and invoice.status <> 'void'
  group by l.clinic_id, l.service_id
  on conflict (clinic_id, local_date, service_id)
  do update set quantity = d.quantity + excluded.quantity, amount = d.amount + excluded.amount;
end;
$$;

create or replace function app_private.index_patients(patients app_public.patient[]) returns void
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  insert into app_private.patient_search (clinic_id, patient_id, search_text, code, last_name, first_name)
  select p.clinic_id, p.id, p.search_text, p.code, p.last_name, p.first_name from unnest(patients) p
  on conflict (clinic_id, patient_id) do update
    set search_text = excluded.search_text, code = excluded.code, last_name = excluded.last_name, first_name = excluded.first_name;
end;
$$;

create or replace function app_private.visit_value(clinic_id uuid, visit_id uuid) returns numeric
    language plpgsql stable security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  return (
    select coalesce(sum(s.line_total), 0) from app_public.visit_service s
    where s.clinic_id = visit_value.clinic_id and s.visit_id = visit_value.visit_id
  );
end;
$$;
