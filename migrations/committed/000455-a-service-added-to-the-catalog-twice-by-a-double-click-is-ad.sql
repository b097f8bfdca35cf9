--! Previous: sha1:2603791f976f898a215686ce9aaaee2a34327583
--! Hash: sha1:8b95730d382d1ce1bdfa5e92fce03385ab6792e3
--! Message: A service added to the catalog twice by a double click is added once

-- A service added to the catalog twice by a double click is added once
--
-- createService took no idempotency key: a double click on "add to catalog", or a browser retrying the POST after a
-- lost answer, added the service twice (SRV-000007 and SRV-000008, one name and price, both offered on visits and
-- counted apart on the dashboard), where a patient, a visit, a visit's service, an invoice and its lines, a payment, a
-- refund, a day's close and an export are each made once per key. Now createService takes one too, as createPatient
-- does (000450): the same key again, sent at the same moment too (the second waits for the first's key,
-- take_idempotency_key_turn), answers the service added first, spending no code; the same key with other content is
-- CONFLICT naming what differs, the retry read as the catalog keeps it (name and category as meant, the price in the
-- column's decimals, active unless said) and compared with the service as it is now; a service deleted since keeps
-- its key (CONFLICT, nothing added: restore it). Keys are 1 to 200 characters, not white space alone, the clinic's own
-- (a unique key per clinic, read by serviceByClinicIdAndIdempotencyKey). A key is looked up only for owners and
-- admins, who may add services (the policy insert_managers): anyone else is refused by the insert, key or not. The
-- mutation is now the function create_service, with the input and payload of the table's insert mutation it replaces;
-- a definer, to reach the key's turn and the deleted services (clinicops.include_deleted in its definition), it
-- writes only the columns the API role may insert, and the table forces row-level security, so its policy refuses
-- whoever it refused.
alter table app_public.service add column if not exists idempotency_key text;
alter table app_public.service drop constraint if exists service_idempotency_key_check;
alter table app_public.service add constraint service_idempotency_key_check check (char_length(idempotency_key) between 1 and 200);
alter table app_public.service drop constraint if exists service_clinic_id_idempotency_key_key;
alter table app_public.service add constraint service_clinic_id_idempotency_key_key unique (clinic_id, idempotency_key);
grant insert (idempotency_key) on app_public.service to :DATABASE_VISITOR;
comment on column app_public.service.idempotency_key is
  'A key chosen by the client per service it means to add to the catalog: the same key again returns the same service; the key of a service deleted since stays its own (CONFLICT).';
comment on constraint service_idempotency_key_check on app_public.service is
  'An idempotency key is 1 to 200 characters (one of white space alone is refused before, by check_idempotency_key).';
comment on constraint service_clinic_id_idempotency_key_key on app_public.service is E'@behavior -update -delete
An idempotency key names one service of the clinic, deleted or not (create_service answers it again; another clinic''s key is its own).';
comment on table app_public.service is E'@behavior -delete -resource:insert
A service in the clinic''s catalog (consultation, test, procedure). Added with createService (create_service). Delete with deleteService (soft delete), bring back with restoreService.';

comment on function app_private.take_idempotency_key_turn(kind text, what text, clinic_id uuid, key text) is 'For a row made with an idempotency key (kind: its table, invoice_line, visit_service, patient, visit or service; what: its name in a message): refuses a key with nothing visible in it (check_idempotency_key), then waits until the transaction ends for the key''s other requests in flight in the clinic, so that the second of two sent at once finds the first''s row; none at all: nothing.';
comment on function app_private.check_idempotency_key(key text, what text) is 'Refuses an idempotency key with nothing visible in it (INVALID_INPUT, naming `what`: payment, refund, invoice, invoice line, service of a visit, patient, visit, service, close of a day, reopening of a day, export), before the key is looked up; none at all is none.';
comment on function app_private.check_key_used_alike(what text, differs text[], another text) is 'For a request sent again with the idempotency key of a row made before (what: the row''s name in a message, patient, visit, service of a visit or service; differs: the name of each field the request gives otherwise than the row has it, null for each alike; another: what a new key is for, when not `what`, a line): CONFLICT naming those fields, if any (create_patient, create_visit, create_visit_service, create_service).';

create or replace function app_public.create_service(service app_public.service) returns app_public.service
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'on'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_new app_public.service := create_service.service;
  v_first app_public.service;
  v_made app_public.service;
begin
  perform app_private.take_idempotency_key_turn('service', 'service', v_clinic, v_new.idempotency_key);
  -- answered only to whoever may add services (the policy insert_managers's rule), who may see the deleted ones too
  -- (include_deleted, on in this definition): others are refused by the insert, key or not
  if v_new.idempotency_key is not null and app_hidden.current_role_in('owner', 'admin') then
    select * into v_first from app_public.service s where s.clinic_id = v_clinic and s.idempotency_key = v_new.idempotency_key;
    if v_first.deleted_at is not null then
      raise exception 'The service added with this idempotency key was deleted since: an owner or admin restores it (restoreService) if it is still meant.'
        using errcode = 'CCONF';
    end if;
    if v_first.id is not null then
      -- compared with the service as it is now, on the request as tg_service__names_as_meant and the price's column keep it
      perform app_private.check_key_used_alike('service', array[
        case when v_first.name is distinct from app_hidden.name_as_meant(v_new.name) then 'name' end,
        case when v_first.category is distinct from nullif(app_hidden.name_as_meant(v_new.category), '') then 'category' end,
        case when v_first.price is distinct from v_new.price::numeric(16,3) then 'price' end,
        case when v_first.duration_minutes is distinct from v_new.duration_minutes then 'duration' end,
        case when v_first.is_active is distinct from coalesce(v_new.is_active, true) then 'active flag' end]);
      return v_first; -- a retry: the service added once
    end if;
  end if;
  insert into app_public.service (name, category, price, duration_minutes, is_active, idempotency_key)
  values (v_new.name, v_new.category, v_new.price, v_new.duration_minutes, coalesce(v_new.is_active, true), v_new.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;
comment on function app_public.create_service(service app_public.service) is E'@resultFieldName service
Adds a service to the session''s clinic''s catalog (a code SRV-… given by the database; active unless said). With an idempotency key, a retry (a double click, two sent at once, an answer lost) returns the service added first instead of adding it twice, spending no code: it is compared on what it gives, read as the catalog keeps it (name and category as meant, the price in 3 decimals, active left out as active), with the service as it is now (another name, category, price, duration or active flag is CONFLICT naming what differs); the key of a service deleted since is CONFLICT, not a new service; a key of white space alone is INVALID_INPUT. Owners and admins; others are refused, key or not.';
revoke all on function app_public.create_service(app_public.service) from public;
grant execute on function app_public.create_service(app_public.service) to :DATABASE_VISITOR;
