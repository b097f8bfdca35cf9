--! Previous: sha1:ee1dd63cf41e4343e7199ecd47f8d7ebf9300061
--! Hash: sha1:0dd6ddfe55c3d19407db6b03c222614bd7ce3739
--! Message: Line triggers lock first and read again only when nothing was locked

-- From a re-read of the day's change: the invoice line guard (000060, 000063) and the visit
-- service line trigger (000030) each read their invoice or visit twice on every line, once as the
-- session sees it and once locked. They lock first, and read again only when the lock found nothing,
-- to tell NOT_FOUND (nothing seen) from a row the session may not lock: one read on the common path,
-- the same answers.

create or replace function app_private.tg_invoice_line__guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
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
  if v_invoice.status <> 'draft' then
    raise exception 'The lines of % invoice never change: void it and issue a new one.',
      case v_invoice.status when 'void' then 'a void' when 'issued' then 'an issued' else 'a ' || replace(v_invoice.status::text, '_', ' ') end
      using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'UPDATE' and new.invoice_id <> old.invoice_id then
    raise exception 'A line cannot move to another invoice.' using errcode = 'CINVL';
  end if;
  new.tax_rate := coalesce(new.tax_rate, v_invoice.tax_rate);
  if new.service_id is not null and (tg_op = 'INSERT' or new.service_id is distinct from old.service_id) then
    select coalesce(new.description, s.name), coalesce(new.unit_price, s.price) into new.description, new.unit_price
    from app_public.service s where s.clinic_id = new.clinic_id and s.id = new.service_id;
    if not found then
      raise exception 'No such service in this clinic.' using errcode = 'CNOTF';
    end if;
  end if;
  return new;
end;
$$;


create or replace function app_private.tg_visit_service__snapshot() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_line app_public.visit_service := case when tg_op = 'DELETE' then old else new end;
  v_status app_public.visit_status;
begin
  -- The lock reads only visits the session may also update; one it may not lock is looked for
  -- again, through the select policy alone: none seen at all is NOT_FOUND.
  select v.status into v_status from app_public.visit v
  where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id
  for share;
  if not found and not exists (select from app_public.visit v where v.clinic_id = v_line.clinic_id and v.id = v_line.visit_id) then
    raise exception 'No such visit in your clinic.' using errcode = 'CNOTF';
  end if;
  if v_status in ('completed', 'cancelled', 'no_show') then
    raise exception 'The services of a % visit are frozen.', app_hidden.visit_status_words(v_status) using errcode = 'CTRAN';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  if tg_op = 'INSERT' then
    select s.price into new.unit_price from app_public.service s
    where s.clinic_id = new.clinic_id and s.id = new.service_id and s.is_active and s.deleted_at is null;
    if not found then
      raise exception 'That service is not in this clinic''s active catalog.' using errcode = 'CINVL';
    end if;
  else
    new.unit_price := old.unit_price;
    if (new.visit_id, new.service_id) is distinct from (old.visit_id, old.service_id) then
      raise exception 'Remove the line and add another instead of changing its visit or service.' using errcode = 'CINVL';
    end if;
  end if;
  return new;
end;
$$;
