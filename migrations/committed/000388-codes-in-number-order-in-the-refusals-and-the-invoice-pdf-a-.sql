--! Previous: sha1:3767e127b852a7f6ec09dc677260c884aa7aec2f
--! Hash: sha1:1bb8b2b6443db3ea7a836b5eef30adc69e0543ad
--! Message: Codes in number order in the refusals and the invoice PDF; a former member invited again named while pending

-- Codes in number order in the refusals and the invoice PDF too
--
-- 000385 sorted every list by code and the CSV exports in number order (app_hidden.digits_as_numbers: PAT-999999, then
-- PAT-1000000), but three sorts by code were left in text order, which puts INV-1000000 before INV-999999 (right after
-- INV-100000): the refusal to delete a patient named their open invoices (and gave their ids) in that order, the
-- invoice PDF listed the payments and refunds taken at one instant in it, and the refusal of a currency the catalog's
-- prices do not fit named the service first in it, SRV-1000000 before SRV-999999. They now sort codes in
-- app_hidden.digits_as_numbers, as the lists do.
create or replace function app_private.tg_patient__no_open_invoice() returns trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
set clinicops.include_deleted = 'off'
set clinicops.every_clinic = 'off'
set clinicops.reinvitation = 'off'
as $$
declare
  v_codes text;
  v_ids uuid[];
begin
  -- those who delete patients (owners, admins) see every invoice of their clinic; codes in number order (000385)
  select string_agg(i.code, ', ' order by i.code collate app_hidden.digits_as_numbers),
         array_agg(i.id order by i.code collate app_hidden.digits_as_numbers) into v_codes, v_ids from app_public.invoice i
  where i.clinic_id = new.clinic_id and i.patient_id = new.id and i.status in ('draft', 'issued', 'partially_paid');
  if v_codes is not null then
    raise exception 'This patient has open invoices (%): void them, or take what is due, before deleting the patient.', v_codes
      using errcode = 'CINVL', detail = json_build_object('invoiceIds', v_ids)::text;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_patient__no_open_invoice() from public;
comment on function app_private.tg_patient__no_open_invoice() is 'Trigger: refuses (INVALID_INPUT, naming the invoices in number order of their codes, their ids in that order in the error''s DETAIL, extensions.invoiceIds) to delete a patient with an invoice that is a draft, or issued with money still due.';

create or replace function app_private.invoice_document(clinic_id uuid, invoice_id uuid) returns jsonb
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
revoke all on function app_private.invoice_document(uuid, uuid) from public;
comment on function app_private.invoice_document(uuid, uuid) is 'Everything an invoice PDF prints: clinic header, patient, lines, taxes, payments and refunds (in time order, those of one instant in number order of their codes), balance, footer; the invoice''s currency with the decimals of it (currency_decimals) that every amount of the invoice is printed in, which are not the clinic''s when its currency changed before 000066.';

create or replace function app_private.tg_clinic__currency_kept() returns trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
set clinicops.every_clinic = 'off'
set clinicops.reinvitation = 'off'
as $$
declare
  v_code text;
  v_id uuid;
  v_price numeric;
  v_deleted boolean;
begin
  if not app_public.is_valid_currency(new.currency) then
    return new; -- told so by clinic_currency_check ("Unknown currency"), not that it would be added to the old one
  end if;
  perform app_private.lock_clinic_setting(new.id, 'currency', true);
  -- read after the lock: an invoice, a visit's service or a count made meanwhile has committed (the manager who changes it sees them all)
  if exists (select from app_public.invoice i where i.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has invoices: its totals would add % to %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  if exists (select from app_public.visit_service s where s.clinic_id = new.id) then
    raise exception 'The currency cannot change once the clinic has charged for visits: their values in % would read as %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  if exists (select from app_public.daily_reconciliation d where d.clinic_id = new.id and d.counted_total is not null) then
    raise exception 'The currency cannot change once the clinic has counted its cash: its counts in % would read as %.', old.currency, new.currency
      using errcode = 'CINVL';
  end if;
  -- deleted services too: a restore brings a service back with its price; the first by code in number order (000385)
  select s.code, s.id, s.price, s.deleted_at is not null into v_code, v_id, v_price, v_deleted from app_public.service s
  where s.clinic_id = new.id and s.price <> round(s.price, app_public.currency_decimals(new.currency))
  order by s.deleted_at is not null, s.code collate app_hidden.digits_as_numbers limit 1;
  if found then
    raise exception 'The price of % (%) has more decimals than % has (%): change it first%.', v_code, trim_scale(v_price), new.currency,
      app_public.currency_decimals(new.currency), case when v_deleted then ' (a deleted service: restore it, change its price, delete it again)' else '' end
      using errcode = 'CINVL', detail = json_build_object('serviceId', v_id)::text;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_clinic__currency_kept() from public;
comment on function app_private.tg_clinic__currency_kept() is 'Trigger: refuses a change of currency once the clinic has invoices, services on visits or a counted day, or to a currency its catalog''s prices (deleted services'' too: a restore brings them back) have too many decimals for (INVALID_INPUT, naming the service, the first in number order of their codes, live ones before deleted ones, its id in the error''s DETAIL, extensions.serviceId); waits for what is being written in the currency (its lock, which new invoices and check_in_clinic_currency share).';

-- A former member invited again named in the staff list
--
-- membership_full_name read the name through user's policies, which hide a pending invitee: the clinic does not see whom
-- it invited (decision 009). But a former member invited again (invite_again, 000300) was a colleague the clinic knew:
-- their visits (visit_doctor_name) and the audit log (audit_log_actor_name) name them while the invitation is pending,
-- and removed_members once it is withdrawn, by one rule (app_private.accepted_once, 000382), while the staff list
-- (memberships { fullName }, ordered by it) showed no name, the row of a doctor whose visits it names. A pending
-- membership accepted once now names its person, through app_hidden.invited_again_name (read as the owner role, as
-- accepted_once must be: it reads the audit log); an invitation never accepted still names no one, and the person's
-- user (their phone) stays hidden until they accept.
create or replace function app_hidden.invited_again_name(m app_public.membership) returns text
language plpgsql stable security definer parallel safe
set search_path to pg_catalog, public, pg_temp
set clinicops.include_deleted = 'off'
set clinicops.every_clinic = 'off'
set clinicops.reinvitation = 'off'
as $$
begin
  -- the membership is read again as the session sees it (select_clinic: of its clinic, not removed), so a row made up
  -- by the caller names no one; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return (
    select u.full_name
    from app_public.membership seen
    join app_public."user" u on u.id = seen.user_id
    where seen.clinic_id = m.clinic_id and seen.id = m.id and seen.accepted_at is null and app_private.accepted_once(seen));
end;
$$;
revoke all on function app_hidden.invited_again_name(app_public.membership) from public;
grant execute on function app_hidden.invited_again_name(app_public.membership) to :DATABASE_VISITOR;
comment on function app_hidden.invited_again_name(app_public.membership) is 'The name of the person of a pending membership the session sees, when the membership was accepted once (app_private.accepted_once: a former member invited again, 000300), as their visits and the audit log name them; null for any other membership (an invitation never accepted: the clinic does not see whom it invited, decision 009). membership_full_name''s, and the API''s fullName''s (server/member-names.ts), name of a pending member.';

create or replace function app_public.membership_full_name(m app_public.membership) returns text
language plpgsql stable parallel safe
set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- read as the caller: `user`'s policies show a colleague's name, not a pending invitee's; one invited again after
  -- being a member is named (app_hidden.invited_again_name); PL/pgSQL, so its plan is kept for the connection
  -- (decision 012)
  return coalesce((select u.full_name from app_public."user" u where u.id = m.user_id), app_hidden.invited_again_name(m));
end;
$$;
revoke all on function app_public.membership_full_name(app_public.membership) from public;
grant execute on function app_public.membership_full_name(app_public.membership) to :DATABASE_VISITOR;
comment on function app_public.membership_full_name(app_public.membership) is E'@behavior +orderBy -resource:aggregate\nThe member''s name, as `user` shows it to the session; null for an invitation not yet accepted (the clinic does not see whom it invited), but for a former member invited again, named while the invitation is pending as their visits and the audit log name them (their `user` stays hidden until they accept). Memberships are listed by it, then by role.';
