--! Previous: sha1:6a1dff92e4c061896faf916f93ee9f93cfce1782
--! Hash: sha1:af368823be7e66f3cf0dcbacbc90e7bf38fa8d5c
--! Message: an invoice line typed by hand names no deleted service

-- An invoice line typed by hand names no deleted service, whatever the session set
--
-- tg_invoice_line__guard read the line's service through the service's select policy, which it passes for deleted
-- services while clinicops.include_deleted is on: bill_visit_services has it on in its definition, to bill a visit's
-- service deleted from the catalog since, but SQL run as the API's role (a cashier's session, by `select
-- set_config('clinicops.include_deleted', 'on', true)` and then `insert into app_public.invoice_line (invoice_id,
-- service_id) values (…)`) turned it on too, and billed a deleted service by its id, reading its name and price. Now
-- the guard states the setting in its definition and reads a deleted service only for a line of a visit's service
-- (visit_service_id, which bill_visit_services alone writes): a line typed by hand naming a deleted service is
-- NOT_FOUND, as without the setting, and a visit's deleted service is billed as before.
create or replace function app_private.tg_invoice_line__guard() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'on'
  set clinicops.every_clinic = 'off'
as $_$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
  v_service_active boolean;
begin
  -- locked until commit, so a line and the invoice's issue take turns; both reads planned at each
  -- call (execute), as a foreign key's cascade runs this without row-level security (000180)
  execute 'select * from app_public.invoice i where i.clinic_id = $1 and i.id = $2 for update'
    into v_invoice using v_line.clinic_id, v_line.invoice_id;
  if v_invoice.id is null then
    -- none this session may lock: none it sees (NOT_FOUND), or one no longer a draft for a role that
    -- changes drafts only (issued while it waited, for one), read as it is now
    execute 'select * from app_public.invoice i where i.clinic_id = $1 and i.id = $2'
      into v_invoice using v_line.clinic_id, v_line.invoice_id;
    if v_invoice.id is null then
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
      raise exception 'This service is billed on draft invoice %: take its line off that invoice first.', v_invoice.code
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    elsif v_invoice.status = 'issued' then
      raise exception 'This service is billed on invoice %, which is issued: void that invoice first.', v_invoice.code
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
    elsif v_invoice.status <> 'void' then
      raise exception 'This service is billed on invoice %, which is %: refund its payments and void it first.',
        v_invoice.code, replace(v_invoice.status::text, '_', ' ')
        using errcode = 'CCONF', detail = json_build_object('invoiceId', v_invoice.id)::text;
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
    from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id
      -- a deleted service only for a visit's service (bill_visit_services), whatever the session set
      and (s.deleted_at is null or new.visit_service_id is not null);
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
$_$;
comment on function app_private.tg_invoice_line__guard() is 'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate, a deleted service only for a visit''s service (bill_visit_services; clinicops.include_deleted in its definition), NOT_FOUND on a line typed by hand whatever the session set. A visit''s service taken off its visit unlinks the lines of void invoices (nothing else of them changes), and is refused (CONFLICT) while a draft or issued invoice bills it, naming that invoice to those who may see invoices (its id in the error''s DETAIL, extensions.invoiceId).';
