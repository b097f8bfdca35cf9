--! Previous: sha1:d0627cb38ef9394ebeee1479c6db9ab5edc0f7db
--! Hash: sha1:1a592797f2657ed7f1c99ebed592a9f22867d7d9
--! Message: owners step down in turn

-- Owners stepping down at once take turns, so that a clinic always keeps one: each asked whether
-- another owner was left while the other's change was not committed, both saw one, and the clinic
-- was left with none (no one could then manage owners or reopen a day).

create or replace function app_private.tg_membership__guard_owners() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_row app_public.membership := coalesce(new, old);
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner') or (tg_op <> 'DELETE' and new.role = 'owner');
  v_stays_owner boolean := tg_op = 'UPDATE' and new.role = 'owner' and new.is_active and new.deleted_at is null
                           and new.accepted_at is not null;
  -- the person answering their own pending invitation: accepting it (an UPDATE leaving role and
  -- is_active as they were) or declining it (a DELETE, which the soft delete turns into an UPDATE)
  v_own_answer boolean := tg_op <> 'INSERT' and old.accepted_at is null and old.user_id = app_public.current_user_id()
                          and (tg_op = 'DELETE' or (new.role, new.is_active) = (old.role, old.is_active));
begin
  if tg_op = 'UPDATE' and (new.clinic_id, new.user_id) is distinct from (old.clinic_id, old.user_id) then
    raise exception 'A membership cannot move to another clinic or user.' using errcode = 'CFORB';
  end if;
  if tg_op = 'UPDATE' and old.accepted_at is not null and new.accepted_at is null then
    raise exception 'An accepted membership cannot become an invitation again.' using errcode = 'CFORB';
  end if;
  -- Without a session only trusted connections (owner, operators) get here. A platform admin adds
  -- an owner only as a clinic's first member: the owner of the clinic they create.
  if v_touches_owner and app_public.current_user_id() is not null and not v_own_answer
     and not (app_hidden.current_role_in('owner')
              or (tg_op = 'INSERT' and app_public.current_user_is_platform_admin()
                  and not exists (select 1 from app_public.membership m where m.clinic_id = new.clinic_id))) then
    raise exception 'Only an owner can add, change or remove an owner.' using errcode = 'CFORB';
  end if;
  if tg_op <> 'INSERT' and old.role = 'owner' and old.is_active and old.deleted_at is null and old.accepted_at is not null
     and not v_stays_owner then
    -- Owners stepping down (or suspending each other) at once take turns: each asked while the
    -- other had not committed, both saw another owner and the clinic was left with none. The
    -- second asks once the first has committed, and sees it (a statement's own snapshot). Updates
    -- only, after the session turn (_050_session_turn) as every membership update takes them: a
    -- delete is a soft delete, whose update comes back here with the turn taken first.
    if tg_op = 'UPDATE' then
      perform pg_advisory_xact_lock(hashtextextended('owners:' || v_row.clinic_id, 0));
    end if;
    if not exists (
      select 1 from app_public.membership m
      where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
        and m.accepted_at is not null
    ) then
      raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
    end if;
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
