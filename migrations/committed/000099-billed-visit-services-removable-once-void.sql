--! Previous: sha1:c3cfb9b8c8774d4dbce0317783d3af0660c5f8de
--! Hash: sha1:b339b89d646d08b192b37a3328714ced80abe0c9
--! Message: billed visit services removable once void

--------------------------------------------------------------------------------
-- A visit's service billed on a void invoice can be taken off the visit.
--
-- An invoice line made from a visit keeps a link to the visit's service it bills. That link
-- refused the service's removal for good: once invoiced, even on an invoice voided since, a service
-- added by mistake stayed on the visit, and every new invoice of the visit billed it again, while
-- the refusal read NOT_FOUND, "a record this refers to does not exist". Now the removal unlinks the
-- lines of void invoices (each keeps what it billed: its description, quantity and prices), and is
-- refused while a live invoice bills the service, naming that invoice and what to do first.

alter table app_public.invoice_line
  drop constraint if exists invoice_line_clinic_id_visit_service_id_fkey,
  add constraint invoice_line_clinic_id_visit_service_id_fkey foreign key (clinic_id, visit_service_id)
    references app_public.visit_service (clinic_id, id) on delete set null (visit_service_id);
comment on constraint invoice_line_clinic_id_visit_service_id_fkey on app_public.invoice_line is E'@fieldName visitService\n@foreignFieldName invoiceLines';

create or replace function app_private.tg_invoice_line__guard() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
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
  -- the visit's service this line bills is being taken off its visit (the foreign key's on delete set
  -- null, which reads and writes past row-level security, as whoever removes it may not see invoices):
  -- a void invoice's line keeps what it billed; a live invoice still bills the service
  if tg_op = 'UPDATE' and old.visit_service_id is not null and new.visit_service_id is null then
    if v_invoice.status = 'draft' then
      raise exception 'This service is billed on draft invoice %: take its line off that invoice first.', v_invoice.code using errcode = 'CCONF';
    elsif v_invoice.status <> 'void' then
      raise exception 'This service is billed on invoice %, which is %: it can be taken off the visit once that invoice is void.',
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
comment on function app_private.tg_invoice_line__guard() is 'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate. A visit''s service taken off its visit unlinks the lines of void invoices, and is refused (CONFLICT, naming the invoice) while a draft or issued invoice bills it.';
