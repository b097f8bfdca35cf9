--! Previous: sha1:a0cdf0f4e7b2b357ad1816a371d3d17481b4d710
--! Hash: sha1:b3a27f68ac273e5bac9ab7708bb539a6cd063282
--! Message: an invoice line's guard reads its invoice as the session may, in every context

-- An invoice line's guard reads its invoice as the session may, in every context.
--
-- tg_invoice_line__guard reads the line's invoice with two static queries, whose plans PL/pgSQL keeps
-- per connection. A foreign key's cascade (a visit's service taken off its visit, or a new version
-- of what it bills) runs the guard without row-level security; PostgreSQL does not plan again when the
-- same function runs in the other context, so a plan made under the policies was reused in the
-- cascade and the other way round. On a connection where a receptionist had been refused a line on
-- an issued invoice (the second query then planned under the policies), a doctor's change or removal
-- of a service billed on a void invoice found no invoice: NOT_FOUND "No such invoice in your clinic.",
-- which billing.md says goes through (a property tester of the money, 12 times in 67,000 steps);
-- after a cascade, a doctor adding a line to an issued invoice was told its status, not NOT_FOUND.
-- Both reads are planned at each call (execute), in the context they run in.

create or replace function app_private.tg_invoice_line__guard() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
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
