--! Previous: sha1:89ed4ad3f2e25d7d9dfaab5be40d38d2dee1f411
--! Hash: sha1:e76b908f0ea9191b9b4a0543a360e9ed40051fe9
--! Message: Receptionist invoices, queue moves, trunk searches, named refusals

-- Exploratory test fixes: receptionists who may invoice keep totals and issued lines right; the live queue hears moves and handovers; (0) in phone searches; refusals that name the rule broken.

-- Receptionists allowed to invoice (clinic.receptionists_may_invoice) made invoices whose totals
-- were 0 whatever their lines, and could add, change and remove lines of issued, paid and void
-- invoices (found by an exploratory test). The line guard locked the invoice with FOR UPDATE, and
-- refresh_invoice_totals updated it: both go through the invoice's UPDATE policies, and only
-- update_money (owners, admins, cashiers) had one, so for a receptionist the guard found no invoice
-- (its draft check compared NULL and let everything through) and the totals' update changed no row.
-- * A receptionist who may invoice may update the clinic's drafts, and keep them drafts
--   (update_draft_billing): the lines' guard then locks a draft, and its totals follow its lines.
--   Their grants still name only `notes`; issuing, voiding and payments check the role themselves.
-- * The guard reads the invoice as the session sees it first: none is NOT_FOUND (an invoice of
--   another clinic was INVALID_INPUT "A required value is missing", the tax rate it could not copy).
--   Then it locks it; an invoice the session may not lock for update (issued, for a receptionist), or
--   that is no longer a draft once locked, is INVALID_TRANSITION, naming its status.

drop policy if exists update_draft_billing on app_public.invoice;
create policy update_draft_billing on app_public.invoice for update
  using (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice()) and status = 'draft')
  with check (clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.may_invoice()) and status = 'draft');
comment on policy update_draft_billing on app_public.invoice is
  'Whoever may invoice (receptionists too, when the clinic allows it) may update the clinic''s drafts, which stay drafts: what keeps a draft''s totals in step with its lines. Issued invoices change through update_money (owners, admins, cashiers).';

create or replace function app_private.tg_invoice_line__guard() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_line app_public.invoice_line := case when tg_op = 'DELETE' then old else new end;
  v_invoice app_public.invoice;
  v_status app_public.invoice_status;
begin
  select * into v_invoice from app_public.invoice i where i.clinic_id = v_line.clinic_id and i.id = v_line.invoice_id;
  if not found then
    raise exception 'No such invoice in your clinic.' using errcode = 'CNOTF';
  end if;
  -- locked until commit, so a line and the invoice's issue take turns; read again once locked
  select i.status into v_status from app_public.invoice i
  where i.clinic_id = v_line.clinic_id and i.id = v_line.invoice_id for update;
  if v_status is distinct from 'draft' then
    raise exception 'The lines of % invoice never change: void it and issue a new one.',
      case coalesce(v_status, v_invoice.status) when 'void' then 'a void' when 'issued' then 'an issued' else 'a ' || replace(coalesce(v_status, v_invoice.status)::text, '_', ' ') end
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
comment on function app_private.tg_invoice_line__guard() is
  'BEFORE INSERT/UPDATE/DELETE: the line''s invoice must be one the session sees in its clinic (NOT_FOUND otherwise); lines change only on drafts (INVALID_TRANSITION), the invoice locked so that a line and its issue take turns; a service line defaults to the catalog name and price, every line to the invoice''s tax rate.';

-- The live queue heard a visit booked and its status change, not a visit moved to another time or
-- handed to another doctor (found by an exploratory test): the front desk's queue kept the old time,
-- and the new doctor was not told. _700_notify now fires on those changes too (and on nothing else:
-- an update that names those columns without changing them is passed over).
create or replace function app_private.tg_visit__notify() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id) is not distinct from (old.status, old.scheduled_at, old.doctor_id) then
    return null;
  end if;
  perform pg_notify('clinicops:visits:' || new.clinic_id, json_build_object('id', new.id)::text);
  return null;
end;
$$;
comment on function app_private.tg_visit__notify() is
  'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) which visit was booked, changed status, was moved to another time or handed to another doctor, and nothing else (its id only: any role may LISTEN).';
drop trigger if exists _700_notify on app_public.visit;
create trigger _700_notify after insert or update of status, scheduled_at, doctor_id on app_public.visit
  for each row execute function app_private.tg_visit__notify();

-- A patient search typed with the (0) trunk prefix after the country code (+255 (0) 713 222 333), as
-- registration accepts it (normalize_phone), found nothing: the 0 stayed in the term (exploratory test).
create or replace function app_hidden.phone_search_term(query text, calling_code app_public.calling_code) RETURNS text
    language sql immutable parallel safe
    AS $$
  select case
    when t.typed !~ '[0-9]' or t.typed ~ '[^0-9[:space:]()./+-]' then null -- not a phone: names and codes are matched as typed
    when char_length(regexp_replace(n.own, '[^0-9]', '', 'g')) < 2 then null -- no more than a prefix
    else n.prefix || n.own
  end
  -- (0): the trunk prefix some write after the country code, dropped as normalize_phone drops it
  from (select btrim(query) as typed, regexp_replace(btrim(query), '\(\s*0\s*\)|[[:space:]()./-]', '', 'g') as digits) t
  cross join lateral (
    select
      case
        when t.digits like '00%' then '+' -- international, 00 for +
        when t.digits like '0%' and calling_code is not null then '+' || calling_code -- national: trunk 0 for the country
        else ''
      end as prefix,
      case
        when t.digits like '00%' then substr(t.digits, 3)
        when t.digits like '0%' then substr(t.digits, 2)
        else t.digits
      end as own
  ) n;
$$;
comment on function app_hidden.phone_search_term(text, app_public.calling_code) is 'A patient search typed as a phone, or part of one, in the E.164 form phones are kept in, without separators (0712 345 678 → +255712345678 with calling code 255; 00255 712 → +255712; +255 (0) 713 → +255713, the (0) trunk prefix dropped as normalize_phone drops it; 345-678 → 345678); null when the query is not phone-like (it has letters, or no digit) or has fewer than 2 digits after its 00, + or trunk 0 (00, 0-, +2: every phone would match).';

-- inviteMember of someone whose invitation is pending said "already a member" (exploratory test):
-- the refusal names both.
create or replace function app_public.invite_member(phone text, full_name text, role app_public.member_role, password text DEFAULT NULL::text) RETURNS app_public.membership
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_phone app_public.e164_phone;
  v_user record;
  v_membership app_public.membership;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can invite members.' using errcode = 'CFORB';
  end if;
  if role is null then
    raise exception 'A role is required.' using errcode = 'CINVL';
  end if;
  -- Every refusal comes before the phone is looked up, the same whether it has an account or not:
  -- a refusal only a new phone got (no password, a weak one, a bad name) or only a registered one
  -- got (an admin inviting an owner, refused at insert) told which, for free and unaudited.
  if role = 'owner' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if full_name is null or char_length(btrim(full_name)) not between 1 and 200 then
    raise exception 'A name is required, at most 200 characters.' using errcode = 'CINVL';
  end if;
  perform app_private.check_password(password);
  -- a clinic's invitations take turns here, so requests at once cannot all pass the count; removed
  -- memberships count too (an invitation withdrawn at once still told whether the phone is registered)
  perform pg_advisory_xact_lock(hashtextextended('invite_member:' || v_clinic, 0));
  if app_private.memberships_added_lately(v_clinic) >= 50 then
    raise exception 'Your clinic has added 50 people in the past hour: wait before inviting more.' using errcode = 'CLIMT';
  end if;
  v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(v_clinic));
  -- looked up once, under the phone's lock: created only for the request that made the account
  v_user := app_private.find_or_create_user(v_phone, full_name, password);
  if exists (select 1 from app_public.membership m where m.clinic_id = v_clinic and m.user_id = v_user.user_id) then
    raise exception 'This person is already a member of the clinic, or invited to it.' using errcode = 'CCONF';
  end if;
  -- someone who already had an account agrees first (accept_invitation): until then the membership
  -- is pending, and the clinic sees neither their name nor their phone
  insert into app_public.membership (clinic_id, user_id, role, accepted_at)
  values (v_clinic, v_user.user_id, invite_member.role, case when v_user.created then now() end)
  returning * into v_membership;
  return v_membership;
end;
$$;


-- A line of a negative quantity or price was told "A discount cannot be more than the line's amount"
-- (exploratory test): PostgreSQL checks a table's constraints in the order of their names, and
-- invoice_line_check came first. It now holds only for a line whose quantity and price are valid,
-- so the constraint that is broken is the one named. The same for a visit's service line.
alter table app_public.invoice_line drop constraint if exists invoice_line_check;
alter table app_public.invoice_line add constraint invoice_line_check
  check (quantity <= 0 or unit_price < 0 or discount <= round(quantity * unit_price, decimals::integer));
comment on constraint invoice_line_check on app_public.invoice_line is
  'A line''s discount is at most its amount (quantity × unit price, in the currency''s decimals); left to the quantity''s and the price''s own checks when either is not valid.';
alter table app_public.visit_service drop constraint if exists visit_service_check;
alter table app_public.visit_service add constraint visit_service_check
  check (quantity < 1 or unit_price < 0 or discount <= quantity::numeric * unit_price);
comment on constraint visit_service_check on app_public.visit_service is
  'A service line''s discount is at most its amount (quantity × unit price); left to the quantity''s and the price''s own checks when either is not valid.';
