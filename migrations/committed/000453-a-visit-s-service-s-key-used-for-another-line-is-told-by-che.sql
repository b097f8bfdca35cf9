--! Previous: sha1:9cb3597a9e31d5dae796b4c5ad71fb3384220d8f
--! Hash: sha1:ae8d6ec71e1e6c618b87fe4fb6d125049b641f9f
--! Message: A visit's service's key used for another line is told by check_key_used_alike

-- One message for a key used for something else: a visit's service's too
--
-- 000450 wrote app_private.check_key_used_alike for createPatient's and createVisit's retries: CONFLICT naming the fields
-- a request gives otherwise than the row made under its key. create_visit_service (000426) builds the same message in
-- the same words inline, ending "send a new key for another line.": it now calls the helper, which takes the name of
-- what a new key is for when it is not the row's (`another`, a line for a service of a visit). The same messages.
drop function if exists app_private.check_key_used_alike(text, text[]);
create or replace function app_private.check_key_used_alike(what text, differs text[], another text default null) returns void
  language plpgsql immutable
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_differs text[] := array_remove(check_key_used_alike.differs, null);
  v_n int := cardinality(v_differs);
begin
  if v_n > 0 then
    raise exception 'This idempotency key was already used for a different % (another %): send a new key for another %.', what,
      case v_n when 1 then v_differs[1] else array_to_string(v_differs[1:v_n - 1], ', ') || ' and ' || v_differs[v_n] end,
      coalesce(another, what)
      using errcode = 'CCONF';
  end if;
end;
$$;
comment on function app_private.check_key_used_alike(what text, differs text[], another text) is 'For a request sent again with the idempotency key of a row made before (what: the row''s name in a message, patient, visit or service of a visit; differs: the name of each field the request gives otherwise than the row has it, null for each alike; another: what a new key is for, when not `what`, a line): CONFLICT naming those fields, if any (create_patient, create_visit, create_visit_service).';
revoke all on function app_private.check_key_used_alike(text, text[], text) from public;

create or replace function app_public.create_visit_service(visit_service app_public.visit_service) RETURNS app_public.visit_service
    LANGUAGE plpgsql STRICT SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_line app_public.visit_service := create_visit_service.visit_service;
  v_first app_public.visit_service;
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
      perform app_private.check_key_used_alike('service of a visit', array[
        case when v_first.visit_id is distinct from v_line.visit_id then 'visit' end,
        case when v_first.service_id is distinct from v_line.service_id then 'service' end,
        case when v_first.quantity is distinct from coalesce(v_line.quantity, 1) then 'quantity' end,
        case when v_first.discount is distinct from coalesce(v_line.discount, 0)::numeric(16,3) then 'discount' end], 'line');
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
COMMENT ON FUNCTION app_public.create_visit_service(visit_service app_public.visit_service) IS '@resultFieldName visitService
Adds a service of the active catalog to a visit, at its price now (copied by the database); quantity 1 and no discount unless given. With an idempotency key, a retry (a double click, two sent at once) returns the first line instead of adding the service twice: it is compared on what it gives (another visit, service, quantity or discount, left out 1 and none, is CONFLICT naming what differs, the line compared as it is now); the key of a line taken off the visit since is CONFLICT, not a new line (app_private.spent_idempotency_key); a key of white space alone is INVALID_INPUT; whoever may not add services to the key''s visit is FORBIDDEN, not answered its line. The visit''s doctor, owners and admins.';
REVOKE ALL ON FUNCTION app_public.create_visit_service(visit_service app_public.visit_service) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_visit_service(visit_service app_public.visit_service) TO :DATABASE_VISITOR;
