--! Previous: sha1:1d59a87277c09d4f35f7a3b845b6ee18797ada02
--! Hash: sha1:0800ec79d326be96ed53d2ed5d45a1c13efdf5de
--! Message: billed services keep what they bill

--------------------------------------------------------------------------------
-- A visit's service billed on a live invoice keeps what it bills: its quantity and discount do not
-- change under the invoice.
--
-- 000099 refused taking such a service off its visit, but changing it passed: a doctor raised the
-- quantity of a service billed on an issued invoice, the visit then said 59,900 and the invoice
-- 23,600, and nothing told anyone (an exploratory test, through the API). Whoever changes a visit's
-- services (a doctor) may not read invoices, so the check is the foreign key's, as 000099's is: a
-- line made from a visit names the version of the service it billed, a change of the service's
-- quantity or discount makes a new version, and the key's `on update cascade` brings the new
-- version to the line, past row-level security, where the invoice line's guard refuses it while
-- the invoice is live, with 000099's messages, and lets a void invoice's line follow it, keeping
-- what it billed. The key holds clinic_id, as every key between tenant tables does.
-- Lines made before this have version 0, which their services have too.

alter table app_public.invoice_line drop constraint if exists invoice_line_visit_service_version_fkey;
alter table app_public.visit_service add column if not exists version integer not null default 0;
comment on column app_public.visit_service.version is E'@behavior -*\nHow many times what this service bills (its quantity, discount) has changed: the version an invoice line made from it names (invoice_line.visit_service_version).';
alter table app_public.visit_service drop constraint if exists visit_service_id_version_key;
alter table app_public.visit_service add constraint visit_service_id_version_key unique (clinic_id, id, version);
comment on constraint visit_service_id_version_key on app_public.visit_service is E'@behavior -*\nWhat invoice_line_visit_service_version_fkey refers to.';

alter table app_public.invoice_line add column if not exists visit_service_version integer default 0;
comment on column app_public.invoice_line.visit_service_version is E'@behavior -*\nThe version of the visit''s service this line billed (visit_service.version): a change of what it bills comes to the line (invoice_line_visit_service_version_fkey), which the guard refuses while the invoice is live.';
alter table app_public.invoice_line add constraint invoice_line_visit_service_version_fkey foreign key (clinic_id, visit_service_id, visit_service_version)
  references app_public.visit_service (clinic_id, id, version) on update cascade on delete set null (visit_service_id, visit_service_version);
comment on constraint invoice_line_visit_service_version_fkey on app_public.invoice_line is E'@behavior -*\nA line bills its visit''s service as it was: a new version of it comes to the line (and its removal clears the link), which tg_invoice_line__guard refuses while the invoice is live.';

create or replace function app_private.tg_visit_service__version() returns trigger
language plpgsql as $$
begin
  if (new.quantity, new.discount, new.unit_price) is distinct from (old.quantity, old.discount, old.unit_price) then
    new.version := old.version + 1;
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit_service__version() is 'BEFORE UPDATE (after _200_snapshot): a change of what the service bills (quantity, discount, price) makes a new version, which comes to the invoice lines made from it (refused while their invoice is live).';
revoke all on function app_private.tg_visit_service__version() from public;
drop trigger if exists _220_version on app_public.visit_service;
create trigger _220_version before update on app_public.visit_service for each row execute function app_private.tg_visit_service__version();

create or replace function app_private.tg_invoice_line__guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
  v_service_active boolean;
begin
  -- locked until commit, so a line and the invoice's issue take turns
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_line.clinic_id and i.id = v_line.invoice_id for update;
  if not found then
    -- none this session may lock: none it sees (NOT_FOUND), or one no longer a draft for a role that
    -- changes drafts only (issued while it waited, for one), read as it is now
    select * into v_invoice from app_public.invoice i where i.clinic_id = v_line.clinic_id and i.id = v_line.invoice_id;
    if not found then
      raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
    end if;
  end if;
  -- the visit's service this line bills is being taken off its visit (the foreign keys' set null), or
  -- what it bills of it (its quantity, discount) changed (a new version, the key's cascade); those
  -- read and write past row-level security, as whoever changes visits' services may not see
  -- invoices: a void invoice's line keeps what it billed, its link following the service; a live
  -- invoice still bills the service as it was (the link and nothing else of the line: a change of
  -- more goes through the checks below)
  if tg_op = 'UPDATE'
     and (new.visit_service_id, new.visit_service_version) is distinct from (old.visit_service_id, old.visit_service_version)
     and (new.visit_service_id is null or new.visit_service_id = old.visit_service_id)
     and (new.clinic_id, new.id, new.invoice_id, new.service_id, new.description, new.quantity, new.unit_price, new.discount, new.tax_rate, new.decimals, new.position)
       is not distinct from (old.clinic_id, old.id, old.invoice_id, old.service_id, old.description, old.quantity, old.unit_price, old.discount, old.tax_rate, old.decimals, old.position) then
    if v_invoice.status <> 'void' and not app_hidden.may_invoice() then
      -- the invoice named only to those who may see invoices (a doctor may not)
      raise exception 'An invoice bills this service: whoever handles billing takes it off that invoice, or voids it, first.' using errcode = 'CCONF';
    elsif v_invoice.status = 'draft' then
      raise exception 'This service is billed on draft invoice %: take its line off that invoice first.', v_invoice.code using errcode = 'CCONF';
    elsif v_invoice.status = 'issued' then
      raise exception 'This service is billed on invoice %, which is issued: void that invoice first.', v_invoice.code using errcode = 'CCONF';
    elsif v_invoice.status <> 'void' then
      raise exception 'This service is billed on invoice %, which is %: refund its payments and void it first.',
        v_invoice.code, replace(v_invoice.status::text, '_', ' ') using errcode = 'CCONF';
    end if;
    return new;
  end if;
  if v_invoice.status = 'void' then
    raise exception 'The lines of a void invoice never change: make a new invoice instead.' using errcode = 'CTRAN';
  elsif v_invoice.status <> 'draft' then
    raise exception 'The lines of % invoice never change: void it and issue a new one.',
      case v_invoice.status when 'issued' then 'an issued' else 'a ' || replace(v_invoice.status::text, '_', ' ') end using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'UPDATE' and new.invoice_id <> old.invoice_id then
    raise exception 'A line cannot move to another invoice.' using errcode = 'CINVL';
  end if;
  new.tax_rate := coalesce(new.tax_rate, v_invoice.tax_rate);
  if new.service_id is not null and (tg_op = 'INSERT' or new.service_id is distinct from old.service_id) then
    select coalesce(new.description, s.name), coalesce(new.unit_price, s.price), s.is_active
    into new.description, new.unit_price, v_service_active
    from app_public.service s where s.clinic_id = new.clinic_id and s.id = new.service_id;
    if not found then
      raise exception 'No such service in this clinic.' using errcode = 'CNOTF';
    end if;
    -- typed by hand; a visit's service is billed whatever became of it in the catalog since
    if not v_service_active and new.visit_service_id is null then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;

create or replace function app_public.create_invoice_from_visit(visit_id uuid) RETURNS app_public.invoice
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
declare
  v_visit app_public.visit;
  v_invoice app_public.invoice;
begin
  if not app_hidden.may_invoice() then
    raise exception 'You may not create invoices in this clinic.' using errcode = 'CFORB';
  end if;
  select * into v_visit from app_public.visit v
  where v.clinic_id = app_public.current_clinic_id() and v.id = create_invoice_from_visit.visit_id;
  if v_visit.id is null then
    raise exception 'No such visit in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_visit.status in ('cancelled', 'no_show') then
    raise exception 'A % visit is not invoiced.', app_hidden.visit_status_words(v_visit.status) using errcode = 'CINVL';
  end if;
  if not exists (select 1 from app_public.visit_service s where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id) then
    raise exception 'This visit has no services to invoice.' using errcode = 'CINVL';
  end if;
  insert into app_public.invoice (clinic_id, patient_id, visit_id) values (v_visit.clinic_id, v_visit.patient_id, v_visit.id)
  returning * into v_invoice;
  -- a service deleted from the catalog since the visit was given it is billed all the same (this
  -- function sees deleted rows: its definition sets clinicops.include_deleted)
  insert into app_public.invoice_line (clinic_id, invoice_id, service_id, visit_service_id, visit_service_version, description, quantity, unit_price, discount, tax_rate)
  select s.clinic_id, v_invoice.id, s.service_id, s.id, s.version, svc.name, s.quantity, s.unit_price,
         least(round(s.discount, d.decimals), round(s.quantity * s.unit_price, d.decimals)), v_invoice.tax_rate
  from app_public.visit_service s join app_public.service svc on svc.clinic_id = s.clinic_id and svc.id = s.service_id
  cross join (select app_public.currency_decimals(v_invoice.currency) as decimals) d
  where s.clinic_id = v_visit.clinic_id and s.visit_id = v_visit.id
  order by s.position;
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id;
  return v_invoice;
end;
$$;
