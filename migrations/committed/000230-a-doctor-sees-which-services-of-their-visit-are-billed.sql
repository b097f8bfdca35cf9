--! Previous: sha1:74b904e212ef2317856d88d6ca13ec52b701e433
--! Hash: sha1:1f1f6ae4635c02cceafb26f4004ed1a250444fef
--! Message: a doctor sees which services of their visit are billed

-- A doctor sees that a visit's service is billed: VisitService.billed, true while a live invoice (draft, issued,
-- paid) bills it. A doctor may not read invoices nor their lines, and learnt it only from the CONFLICT of a change
-- to the service; the answer says nothing of the invoice. Each invoice line made from a visit's service is copied
-- into a private table, as each live invoice made from a visit is (visit_bill, 000144), since a definer function
-- reads under the policies of the session that called it.

create table if not exists app_private.visit_service_line (
  clinic_id uuid not null,
  invoice_line_id uuid not null,
  invoice_id uuid not null,
  visit_service_id uuid not null,
  primary key (clinic_id, invoice_line_id)
);
create index if not exists visit_service_line_visit_service_idx on app_private.visit_service_line (clinic_id, visit_service_id);
comment on table app_private.visit_service_line is 'Each invoice line that bills a visit''s service (its invoice void or not), kept by a trigger on invoice lines: what visit_service_billed reads, with visit_bill, whoever asks.';
comment on column app_private.visit_service_line.clinic_id is 'The clinic.';
comment on column app_private.visit_service_line.invoice_line_id is 'The invoice line.';
comment on column app_private.visit_service_line.invoice_id is 'The line''s invoice.';
comment on column app_private.visit_service_line.visit_service_id is 'The visit''s service the line bills, as invoice_line.visit_service_id.';
comment on index app_private.visit_service_line_visit_service_idx is 'The lines that bill a visit''s service.';
alter table app_private.visit_service_line enable row level security;
alter table app_private.visit_service_line force row level security;
drop policy if exists owner_only on app_private.visit_service_line;
create policy owner_only on app_private.visit_service_line to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.visit_service_line is 'Read and kept by definer functions only.';

create or replace function app_private.tg_invoice_line__visit_service_line() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  if tg_op <> 'INSERT' then
    delete from app_private.visit_service_line l where l.clinic_id = old.clinic_id and l.invoice_line_id = old.id;
  end if;
  if tg_op <> 'DELETE' and new.visit_service_id is not null then
    insert into app_private.visit_service_line (clinic_id, invoice_line_id, invoice_id, visit_service_id)
    values (new.clinic_id, new.id, new.invoice_id, new.visit_service_id);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice_line__visit_service_line() is 'Trigger: keeps app_private.visit_service_line as the invoice line is now (a row while it bills a visit''s service).';
revoke all on function app_private.tg_invoice_line__visit_service_line() from public;
drop trigger if exists _660_visit_service_line on app_public.invoice_line;
create trigger _660_visit_service_line after insert or delete or update of visit_service_id on app_public.invoice_line
  for each row execute function app_private.tg_invoice_line__visit_service_line();
comment on trigger _660_visit_service_line on app_public.invoice_line is 'Copies which visit''s service the line bills (tg_invoice_line__visit_service_line).';

insert into app_private.visit_service_line (clinic_id, invoice_line_id, invoice_id, visit_service_id)
select l.clinic_id, l.id, l.invoice_id, l.visit_service_id from app_public.invoice_line l
where l.visit_service_id is not null
on conflict (clinic_id, invoice_line_id) do nothing;

create or replace function app_public.visit_service_billed(visit_service app_public.visit_service) returns boolean
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
begin
  -- the service is read again as the session sees it, so a row made up by the caller (another doctor's
  -- visit, another clinic's) says nothing; PL/pgSQL, so its plan is kept for the connection (decision 012)
  return exists (
    select 1 from app_public.visit_service seen
    join app_private.visit_service_line l on l.clinic_id = seen.clinic_id and l.visit_service_id = seen.id
    join app_private.visit_bill b on b.clinic_id = l.clinic_id and b.invoice_id = l.invoice_id
    where seen.clinic_id = visit_service.clinic_id and seen.id = visit_service.id);
end;
$$;
comment on function app_public.visit_service_billed(app_public.visit_service) is
  'Whether a live invoice (a draft, issued or paid; not void) bills this service: its quantity and discount then do not change, nor is it taken off the visit, until billing takes its line off the draft or voids the invoice (CONFLICT). Readable by every role that sees the visit, doctors included, who may not read invoices: it says nothing of the invoice.';
revoke all on function app_public.visit_service_billed(app_public.visit_service) from public;
grant execute on function app_public.visit_service_billed(app_public.visit_service) to :DATABASE_VISITOR;
