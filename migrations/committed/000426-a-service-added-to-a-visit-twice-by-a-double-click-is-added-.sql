--! Previous: sha1:d6b788348aa09cd0f13803473524c768f431c68e
--! Hash: sha1:4a63ac950effc3c1bdf298ab2e43ef4053273544
--! Message: A service added to a visit twice by a double click is added once

-- The keys of deleted lines are kept in one table, for invoice lines and visits' services alike
--
-- The key of an invoice line deleted from its draft was kept in app_private.deleted_invoice_line_key by a trigger of
-- its own (000291), and create_invoice_line took its key's turn and checked it by hand: a second kind of line with a
-- key (a visit's service, below) would have copied the table, the trigger and the turn. Now the kept keys of every kind
-- are in app_private.spent_idempotency_key (kind: the table, parent: the invoice or visit the line was deleted from),
-- kept by one trigger function, app_private.tg__key_kept(parent column), and a creation under a key waits for the
-- key's other requests in flight through app_private.take_idempotency_key_turn (the key checked by
-- check_idempotency_key first, as before; the same advisory lock as before for invoice lines). The invoice lines' kept
-- keys are moved over, and create_invoice_line reads them there: nothing a client sees changes.
create table if not exists app_private.spent_idempotency_key (
  clinic_id uuid not null,
  kind text not null constraint spent_idempotency_key_kind_check check (kind in ('invoice_line', 'visit_service')),
  idempotency_key text not null,
  parent_id uuid not null,
  deleted_at timestamptz not null default now(),
  primary key (clinic_id, kind, idempotency_key)
);
comment on table app_private.spent_idempotency_key is 'The idempotency key of each line deleted that was added with one (an invoice line from its draft, a service taken off its visit), kept by the trigger function tg__key_kept: create_invoice_line and create_visit_service refuse it (CONFLICT) instead of adding the line again.';
comment on column app_private.spent_idempotency_key.clinic_id is 'The clinic.';
comment on column app_private.spent_idempotency_key.kind is 'The table of the line deleted: invoice_line or visit_service (each has keys of its own).';
comment on column app_private.spent_idempotency_key.idempotency_key is 'The key the deleted line was added with (invoice_line.idempotency_key, visit_service.idempotency_key).';
comment on column app_private.spent_idempotency_key.parent_id is 'The invoice or the visit the line was deleted from: the key is told deleted only to whoever sees it.';
comment on column app_private.spent_idempotency_key.deleted_at is 'When the line was deleted.';
alter table app_private.spent_idempotency_key enable row level security;
alter table app_private.spent_idempotency_key force row level security;
drop policy if exists owner_only on app_private.spent_idempotency_key;
create policy owner_only on app_private.spent_idempotency_key to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.spent_idempotency_key is 'Read and kept by definer functions only.';
do $$
begin
  if to_regclass('app_private.deleted_invoice_line_key') is not null then
    insert into app_private.spent_idempotency_key (clinic_id, kind, idempotency_key, parent_id, deleted_at)
    select k.clinic_id, 'invoice_line', k.idempotency_key, k.invoice_id, k.deleted_at from app_private.deleted_invoice_line_key k
    on conflict do nothing;
  end if;
end;
$$;

create or replace function app_private.tg__key_kept() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
begin
  insert into app_private.spent_idempotency_key (clinic_id, kind, idempotency_key, parent_id)
  values (old.clinic_id, tg_table_name, old.idempotency_key, (to_jsonb(old) ->> tg_argv[0])::uuid)
  on conflict (clinic_id, kind, idempotency_key) do nothing;
  return null;
end;
$$;
comment on function app_private.tg__key_kept() is 'Trigger (AFTER DELETE, for a line with an idempotency key; its argument the column of the invoice or visit it belongs to): keeps the key in app_private.spent_idempotency_key under its table''s name, so that a late retry of the line is refused, not added again.';
revoke all on function app_private.tg__key_kept() from public;
drop trigger if exists _670_key_kept on app_public.invoice_line;
create trigger _670_key_kept after delete on app_public.invoice_line
  for each row when (old.idempotency_key is not null) execute function app_private.tg__key_kept('invoice_id');
comment on trigger _670_key_kept on app_public.invoice_line is 'The key of a deleted line stays spent (tg__key_kept).';
drop function if exists app_private.tg_invoice_line__key_kept();
drop table if exists app_private.deleted_invoice_line_key;

create or replace function app_private.take_idempotency_key_turn(kind text, what text, clinic_id uuid, key text) returns void
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform app_private.check_idempotency_key(take_idempotency_key_turn.key, take_idempotency_key_turn.what);
  if take_idempotency_key_turn.key is not null then
    perform pg_advisory_xact_lock(hashtextextended(
      take_idempotency_key_turn.kind || '_key:' || take_idempotency_key_turn.clinic_id || ':' || take_idempotency_key_turn.key, 0));
  end if;
end;
$$;
comment on function app_private.take_idempotency_key_turn(kind text, what text, clinic_id uuid, key text) is 'For a row made with an idempotency key (kind: its table, invoice_line or visit_service; what: its name in a message): refuses a key with nothing visible in it (check_idempotency_key), then waits until the transaction ends for the key''s other requests in flight in the clinic, so that the second of two sent at once finds the first''s row; none at all: nothing.';
revoke all on function app_private.take_idempotency_key_turn(text, text, uuid, text) from public;

create or replace function app_private.spent_key_parent(kind text, clinic_id uuid, key text) returns uuid
  language sql stable
  set search_path = pg_catalog, public, pg_temp
as $$
  select k.parent_id from app_private.spent_idempotency_key k
  where k.clinic_id = spent_key_parent.clinic_id and k.kind = spent_key_parent.kind and k.idempotency_key = spent_key_parent.key;
$$;
comment on function app_private.spent_key_parent(kind text, clinic_id uuid, key text) is 'The invoice or visit a line of `kind` (invoice_line, visit_service) added with the clinic''s key `key` was deleted from, if it was (app_private.spent_idempotency_key): its caller tells it to whoever sees that parent.';
revoke all on function app_private.spent_key_parent(text, uuid, text) from public;

comment on function app_private.check_idempotency_key(key text, what text) is
  'Refuses an idempotency key with nothing visible in it (INVALID_INPUT, naming `what`: payment, refund, invoice, invoice line, service of a visit, close of a day, reopening of a day), before the key is looked up; none at all is none.';

create or replace function app_public.create_invoice_line(invoice_line app_public.invoice_line) returns app_public.invoice_line
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_line app_public.invoice_line := create_invoice_line.invoice_line;
  v_first app_public.invoice_line;
  v_made app_public.invoice_line;
begin
  perform app_private.take_idempotency_key_turn('invoice_line', 'invoice line', v_clinic, v_line.idempotency_key);
  if v_line.idempotency_key is not null then
    select * into v_first from app_public.invoice_line l where l.clinic_id = v_clinic and l.idempotency_key = v_line.idempotency_key;
    if v_first.id is not null then
      -- compared on what the retry gives: a description, price or tax rate left out is the first line's, as it took
      -- them from the catalog and the invoice then (they may have changed since); quantity and discount left out are 1 and none
      if (v_first.invoice_id, v_first.service_id, v_first.description, v_first.quantity, v_first.unit_price, v_first.discount, v_first.tax_rate)
         is distinct from (v_line.invoice_id, v_line.service_id, coalesce(app_hidden.text_as_typed(v_line.description), v_first.description),
                           coalesce(v_line.quantity, 1)::numeric(12,3), coalesce(v_line.unit_price::numeric(16,3), v_first.unit_price),
                           coalesce(v_line.discount, 0)::numeric(16,3), coalesce(v_line.tax_rate, v_first.tax_rate)) then
        raise exception 'This idempotency key was already used for a different invoice line.' using errcode = 'CCONF';
      end if;
      return v_first; -- a retry: the line billed once
    end if;
    -- the line made under this key was deleted from its draft: a late retry does not bill it again
    if exists (select 1 from app_public.invoice i
               where i.clinic_id = v_clinic and i.id = app_private.spent_key_parent('invoice_line', v_clinic, v_line.idempotency_key)) then
      raise exception 'The invoice line added with this idempotency key was deleted since: add it again with a new key if it is still meant.'
        using errcode = 'CCONF';
    end if;
  end if;
  insert into app_public.invoice_line (invoice_id, service_id, description, quantity, unit_price, discount, tax_rate, idempotency_key)
  values (v_line.invoice_id, v_line.service_id, v_line.description, coalesce(v_line.quantity, 1), v_line.unit_price, v_line.discount,
          v_line.tax_rate, v_line.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;
comment on function app_public.create_invoice_line(invoice_line app_public.invoice_line) is E'@resultFieldName invoiceLine
Adds a line to a draft invoice: a service of the catalog (its name and price unless given) or one typed by hand (description and unitPrice required); quantity 1 and no discount unless given, the invoice''s tax rate unless given. With an idempotency key, a retry (a double click) returns the first line instead of billing it twice, whatever changed in the catalog since: it is compared on what it gives (another invoice, service, quantity or discount, left out 1 and none, or a description, price or tax rate it gives unlike the line''s is CONFLICT; one it leaves out is the line''s); the key of a line deleted since is CONFLICT, not a new line (app_private.spent_idempotency_key); a key of white space alone is INVALID_INPUT. Owners, admins, cashiers, and receptionists if the clinic allows.';
revoke all on function app_public.create_invoice_line(app_public.invoice_line) from public;
grant execute on function app_public.create_invoice_line(app_public.invoice_line) to :DATABASE_VISITOR;

-- A service added to a visit twice by a double click is added once
--
-- createVisitService had no idempotency key: a doctor's double click on "add service", or a browser retrying the POST
-- after a lost answer, added the service twice to the visit, and its invoice billed the patient twice for it. Now it
-- takes an optional `idempotencyKey`, as invoice lines do (000276, 000291): the same key again, sent at the same moment
-- too, answers the service added first (the second waits for the first's key, take_idempotency_key_turn); the same key
-- for another visit, service, quantity or discount (left out: 1 and none) is CONFLICT naming what differs, the first
-- compared as it is now; the key of a service taken off the visit since stays spent (CONFLICT, kept by the trigger
-- _670_key_kept in app_private.spent_idempotency_key, told only to whoever sees the visit: others, like whoever does
-- not see the line made under it, are told the key was used for a different service); a key of white space alone is
-- INVALID_INPUT; keys are the clinic's own (another clinic's same key is its own, and tells nothing). The mutation is
-- now the function create_visit_service, with the input and payload of the table's insert mutation it replaces
-- (`input: { visitService: { … } }`, `payload { visitService }`), but for a quantity sent as null: 1, as one left out
-- (it was refused as missing). It is a definer, to reach the key's turn in app_private; the table forces row-level
-- security, so its policies refuse whoever may not add services to the visit as they refused the insert, and it
-- writes only the columns the API role may insert. A key already used is answered only to whoever may add services
-- to its visit (the policy insert_clinicians' rule): the front desk sending the doctor's key is FORBIDDEN, as without
-- one, not answered the line.
alter table app_public.visit_service add column if not exists idempotency_key text;
alter table app_public.visit_service drop constraint if exists visit_service_idempotency_key_check;
alter table app_public.visit_service add constraint visit_service_idempotency_key_check check (char_length(idempotency_key) between 1 and 200);
alter table app_public.visit_service drop constraint if exists visit_service_clinic_id_idempotency_key_key;
alter table app_public.visit_service add constraint visit_service_clinic_id_idempotency_key_key unique (clinic_id, idempotency_key);
grant insert (idempotency_key) on app_public.visit_service to :DATABASE_VISITOR;
comment on column app_public.visit_service.idempotency_key is
  'A key chosen by the client per service it means to add to a visit: the same key again returns the same line; the key of a line taken off since stays spent (CONFLICT).';
comment on constraint visit_service_clinic_id_idempotency_key_key on app_public.visit_service is E'@behavior -update -delete
An idempotency key names one service of a visit of the clinic (create_visit_service answers it again; another clinic''s key is its own).';
comment on table app_public.visit_service is E'@defaultOrderBy VISIT_ID_ASC,POSITION_ASC
@behavior -resource:insert
A service given during a visit, with the unit price it had in the catalog at that moment. Listed by visit, and within a visit in the order the services were added. Added with createVisitService (create_visit_service).';
drop trigger if exists _670_key_kept on app_public.visit_service;
create trigger _670_key_kept after delete on app_public.visit_service
  for each row when (old.idempotency_key is not null) execute function app_private.tg__key_kept('visit_id');
comment on trigger _670_key_kept on app_public.visit_service is 'The key of a service taken off its visit stays spent (tg__key_kept).';

create or replace function app_public.create_visit_service(visit_service app_public.visit_service) returns app_public.visit_service
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_line app_public.visit_service := create_visit_service.visit_service;
  v_first app_public.visit_service;
  v_differs text[];
  v_spent_from uuid;
  v_made app_public.visit_service;
begin
  perform app_private.take_idempotency_key_turn('visit_service', 'service of a visit', v_clinic, v_line.idempotency_key);
  if v_line.idempotency_key is not null then
    select * into v_first from app_public.visit_service s where s.clinic_id = v_clinic and s.idempotency_key = v_line.idempotency_key;
    if v_first.id is null then
      v_spent_from := app_private.spent_key_parent('visit_service', v_clinic, v_line.idempotency_key);
      -- a key spent on a visit the session does not see: used, and nothing more told
      if v_spent_from is not null and not exists (select 1 from app_public.visit v where v.clinic_id = v_clinic and v.id = v_spent_from) then
        raise exception 'This idempotency key was already used for a different service of a visit.' using errcode = 'CCONF';
      end if;
    end if;
    -- whoever may not add services to the key's visit (the rule of the policy insert_clinicians) is refused, key or not,
    -- as the insert would refuse them, not answered the line
    if coalesce(v_first.visit_id, v_spent_from) is not null
       and not (app_hidden.current_role_in('owner', 'admin')
                or (app_hidden.current_role_in('doctor') and exists (
                      select 1 from app_public.visit v
                      where v.clinic_id = v_clinic and v.id = coalesce(v_first.visit_id, v_spent_from)
                        and v.doctor_id = app_public.current_membership_id()))) then
      raise exception 'Only the visit''s doctor, an owner or an admin adds services to a visit, in their own clinic.' using errcode = 'CFORB';
    end if;
    if v_first.id is not null then
      -- compared on what the retry gives, quantity and discount left out 1 and none, with the line as it is now
      v_differs := array_remove(array[
        case when v_first.visit_id is distinct from v_line.visit_id then 'visit' end,
        case when v_first.service_id is distinct from v_line.service_id then 'service' end,
        case when v_first.quantity is distinct from coalesce(v_line.quantity, 1) then 'quantity' end,
        case when v_first.discount is distinct from coalesce(v_line.discount, 0)::numeric(16,3) then 'discount' end], null);
      if cardinality(v_differs) > 0 then
        raise exception 'This idempotency key was already used for a different service of a visit (another %): send a new key for another line.',
          case cardinality(v_differs) when 1 then v_differs[1]
            else array_to_string(v_differs[1:cardinality(v_differs) - 1], ', ') || ' and ' || v_differs[cardinality(v_differs)] end
          using errcode = 'CCONF';
      end if;
      return v_first; -- a retry: the service added once
    end if;
    -- the line made under this key was taken off its visit: a late retry does not add it again
    if v_spent_from is not null then
      raise exception 'The service added to a visit with this idempotency key was taken off since: add it again with a new key if it is still meant.'
        using errcode = 'CCONF';
    end if;
  end if;
  insert into app_public.visit_service (visit_id, service_id, quantity, discount, idempotency_key)
  values (v_line.visit_id, v_line.service_id, coalesce(v_line.quantity, 1), v_line.discount, v_line.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;
comment on function app_public.create_visit_service(visit_service app_public.visit_service) is E'@resultFieldName visitService
Adds a service of the active catalog to a visit, at its price now (copied by the database); quantity 1 and no discount unless given. With an idempotency key, a retry (a double click, two sent at once) returns the first line instead of adding the service twice: it is compared on what it gives (another visit, service, quantity or discount, left out 1 and none, is CONFLICT naming what differs, the line compared as it is now); the key of a line taken off the visit since is CONFLICT, not a new line (app_private.spent_idempotency_key); a key of white space alone is INVALID_INPUT; whoever may not add services to the key''s visit is FORBIDDEN, not answered its line. The visit''s doctor, owners and admins.';
revoke all on function app_public.create_visit_service(app_public.visit_service) from public;
grant execute on function app_public.create_visit_service(app_public.visit_service) to :DATABASE_VISITOR;
