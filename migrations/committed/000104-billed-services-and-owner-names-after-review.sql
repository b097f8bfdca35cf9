--! Previous: sha1:8cb35d4d9940664fe0891419251027a8c92002ac
--! Hash: sha1:379b6fcfed47ab8810e46283ca44007f815622d4
--! Message: billed services and owner names after review

--------------------------------------------------------------------------------
-- After a review of 000099 and 000101.
--
-- - An owner or admin could not take off its visit a service billed on a void invoice, though its
--   doctor could: unlinking the void invoice's line ran the line's totals trigger as the session,
--   which rewrote the void invoice's totals for those who see invoices, and a void invoice never
--   changes. An invoice's totals now follow only what they are made of (the lines' invoice,
--   quantity, prices, discount, tax rate and decimals): a line's description or link changes none.
-- - The refusal named the invoice and whether it was paid to a doctor, who may not read invoices:
--   it names them only to those who may, and a paid invoice is said to need its payments refunded
--   before it is voided.
-- - The guard let a line's link be cleared with anything else of it changed alongside: the way past
--   its checks is for a change of the link alone.
-- - create_clinic_with_owner refused an owner's name of nothing visible for a new phone only: it is
--   checked as invite_member checks it, before the phone is looked up.

drop trigger if exists _600_totals on app_public.invoice_line;
create trigger _600_totals after insert or delete or update of invoice_id, quantity, unit_price, discount, tax_rate, decimals on app_public.invoice_line
  for each row execute function app_private.tg_invoice_line__totals();

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
  -- the visit's service this line bills is being taken off its visit (the foreign key's on delete set
  -- null, which reads and writes past row-level security, as whoever removes it may not see invoices):
  -- a void invoice's line keeps what it billed; a live invoice still bills the service
  -- (that and nothing else of what the line bills: a change of more goes through the checks below)
  if tg_op = 'UPDATE' and old.visit_service_id is not null and new.visit_service_id is null
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

create or replace function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) RETURNS app_public.clinic
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
declare
  v_clinic app_public.clinic;
  v_name text := regexp_replace(create_clinic_with_owner.name, '^\s+|\s+$', '', 'g');
  v_phone app_public.e164_phone;
  v_owner uuid;
begin
  if not app_public.current_user_is_platform_admin() then
    raise exception 'Only a platform administrator can create clinics.' using errcode = 'CFORB';
  end if;
  if not app_public.is_valid_timezone(coalesce(timezone, '')) then
    raise exception 'Unknown time zone: use an IANA name such as Africa/Nairobi.' using errcode = 'CINVL';
  end if;
  -- as it will be saved (app_private.tg_user__name_as_meant), before the phone is looked up: a name of
  -- nothing visible was refused for a new phone only, at its insert
  if char_length(coalesce(app_hidden.name_as_meant(owner_name), '')) not between 1 and 200 then
    raise exception 'A name is required, at most 200 characters.' using errcode = 'CINVL';
  end if;
  v_phone := app_public.normalize_phone(owner_phone, app_hidden.calling_code_for(null));
  -- one owner's requests take turns, under the phone's lock that find_or_create_user takes below
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_phone));
  if exists (
    select 1 from app_public.clinic c
    join app_public.membership m on m.clinic_id = c.id and m.role = 'owner' and m.deleted_at is null
      and m.is_active and m.accepted_at is not null
    join app_public."user" u on u.id = m.user_id
    where u.phone = v_phone and app_private.clinic_name_key(c.name) = app_private.clinic_name_key(v_name)
  ) then
    raise exception 'This owner already has a clinic named %.', v_name using errcode = 'CCONF';
  end if;
  insert into app_public.clinic (name, timezone, currency, calling_code)
  values (v_name, create_clinic_with_owner.timezone, upper(btrim(currency)), app_hidden.country_calling_code(v_phone))
  returning * into v_clinic;
  v_owner := (app_private.find_or_create_user(v_phone, owner_name, owner_password)).user_id;
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner, 'owner');
  return v_clinic;
end;
$_$;
comment on function app_private.tg_invoice_line__guard() is 'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate. A visit''s service taken off its visit unlinks the lines of void invoices (nothing else of them changes), and is refused (CONFLICT) while a draft or issued invoice bills it, naming that invoice to those who may see invoices.';
