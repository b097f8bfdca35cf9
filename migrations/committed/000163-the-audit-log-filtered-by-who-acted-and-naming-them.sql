--! Previous: sha1:b907eb5188a2b01d6b3b8f27188cfa1db6ff50ba
--! Hash: sha1:aa09ad37c642bda68027af7cb99d12fe0bd1068f
--! Message: the audit log filtered by who acted, and naming them

-- A clinic's audit log could not be browsed by who did what: `actorUserId` was not among its filters
-- (PostGraphile offers filters on indexed columns, and no index held it), so a manager asking "what
-- did this person do" paged through the whole log; and an actor who had left the clinic showed as a
-- bare id (a removed member is hidden from `user`). The log is indexed by its clinic, actor and time,
-- which makes `actorUserId` a filter and a condition, and an entry names its actor (`actorName`).
-- The index is built as the migration runs, holding the log's writes meanwhile (a few seconds for
-- a million entries).

create index if not exists audit_log_clinic_actor_idx on app_public.audit_log (clinic_id, actor_user_id, occurred_at);
comment on index app_public.audit_log_clinic_actor_idx is 'A clinic''s entries by who acted, in time order: the audit log filtered by its actor (actorUserId).';

create or replace function app_public.audit_log_actor_name(entry app_public.audit_log) returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp set clinicops.include_deleted to on as $$
begin
  -- the entry is read again, and named only if the session may read it as the visitor's policies say
  -- (select_managers, select_platform: this function runs as the owner role, which reads every entry),
  -- so a row made up by the caller names no one; a clinic's entry names a person who is or was a
  -- member of that clinic (removed ones too), the platform's chain anyone; PL/pgSQL, so its plan is
  -- kept for the connection (decision 012)
  return (
    select u.full_name
    from app_public.audit_log seen
    join app_public."user" u on u.id = seen.actor_user_id
    where seen.id = entry.id
      and ((seen.clinic_id = app_public.current_clinic_id() and app_hidden.current_role_in('owner', 'admin')
            and exists (select from app_public.membership m where m.clinic_id = seen.clinic_id and m.user_id = u.id and m.accepted_at is not null))
        or (seen.clinic_id is null and app_public.current_user_is_platform_admin())));
end;
$$;
revoke all on function app_public.audit_log_actor_name(app_public.audit_log) from public;
grant execute on function app_public.audit_log_actor_name(app_public.audit_log) to :DATABASE_VISITOR;
comment on function app_public.audit_log_actor_name(app_public.audit_log) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe name of who acted, also once they have left the clinic (a removed member is hidden from `user`); null for no one (the worker, a failed login of an unknown phone) and for a person who was never a member of the clinic.';
