--! Previous: sha1:40b7310eca6c02beaf5ab8d29dfacedca5343c16
--! Hash: sha1:809b1a80c3aad84cc04fb55418a8ebbe85389278
--! Message: A statement of several people's memberships takes their sessions' turns in the order of their ids

-- A statement of several people's memberships takes their sessions' turns in the order of their ids
--
-- A change of a membership's role, activity or removal took its person's sessions' turn (session_turn_key, exclusive)
-- as the statement reached the row (_050_session_turn, before the row's other triggers), so a statement of several
-- people's memberships took their turns in the order it reached their rows: two such statements of the same people
-- reaching them in other orders (an operator suspending two doctors in one clinic while another changes their roles in
-- another), or one and a deactivation of the same accounts (which takes their turns, shared, in the order of their ids),
-- each held a turn the other waited for, and PostgreSQL undid one ("deadlock detected"). Now the statement's first row,
-- once every row is written, takes the turns of all the people whose role, activity or removal it changes, in the order
-- of their ids (_480_session_turns, an after-row trigger reading the statement's rows), before any chain is written or
-- any session touched, as before. What read the memberships' state after the turn's wait reads it after it still: the
-- check that an account a clinic gave a password joins no other clinic (_485_kept_to_the_resetting_clinic, an after-row
-- trigger now, was _220 before the row was written), so a reset of the person committed while the statement waits for
-- the turn is seen. The owners' turn of stepping down (tg_membership__guard_owners) is now taken before the sessions'
-- turns, by every membership update alike. A delete of several memberships is still a soft delete of each in turn, each
-- an update of its own taking its person's turn as it is reached.

create or replace function app_private.tg_membership__session_turns() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user uuid;
begin
  -- the statement's first row (its transition tables' first, as its after-row events come in that order): the rows after
  -- it find the turns already held
  if (new.clinic_id, new.id) = (select c.clinic_id, c.id from changed c limit 1) then
    for v_user in
      select distinct c.user_id
      from changed c join previous p on p.clinic_id = c.clinic_id and p.id = c.id
      where (c.role, c.is_active, c.deleted_at) is distinct from (p.role, p.is_active, p.deleted_at)
      order by c.user_id
    loop
      perform pg_advisory_xact_lock(app_private.session_turn_key(v_user));
    end loop;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__session_turns() is 'AFTER UPDATE, for each row, first: at a statement''s first row, takes the sessions'' turn (session_turn_key, exclusive) of every person whose membership''s role, activity or removal the statement changes (previous and changed, its transition tables), in the order of their ids, as a deactivation of several accounts takes them: the changes wait for those people''s sessions being opened, and sessions opened meanwhile wait for them, so that tg_membership__sync_sessions reaches them all; and two such statements, or one and a deactivation, at once hold no turn the other waits for. Before any chain is written (_490_chains_in_order_on_update) or session touched (_900_sync_sessions).';
revoke all on function app_private.tg_membership__session_turns() from public;
drop trigger if exists _480_session_turns on app_public.membership;
create trigger _480_session_turns after update on app_public.membership
  referencing old table as previous new table as changed
  for each row execute function app_private.tg_membership__session_turns();
comment on trigger _480_session_turns on app_public.membership is 'A change of memberships and the opening of their people''s sessions take turns, the people in the order of their ids (tg_membership__session_turns).';
drop trigger if exists _050_session_turn on app_public.membership;
drop function if exists app_private.tg_membership__session_turn();

create or replace function app_private.tg_membership__kept_to_the_resetting_clinic() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid;
begin
  -- a membership that becomes one the person holds: made accepted (a clinic made with them as its owner), an
  -- invitation accepted, a removed membership restored
  if new.accepted_at is not null and new.deleted_at is null
     and (tg_op = 'INSERT' or old.accepted_at is null or old.deleted_at is not null) then
    -- read after the statement's wait for the person's sessions' turn (_480_session_turns), which a reset holds, or
    -- under the phone's lock a clinic's making holds, so a reset committed meanwhile is seen
    select s.password_given_by_clinic into v_clinic from app_private.user_secret s where s.user_id = new.user_id;
    if v_clinic is not null and v_clinic <> new.clinic_id then
      raise exception 'This account''s password was last given by another clinic, which may log in as it: it joins no other clinic until the platform operator resets the password (npm run password).'
        using errcode = 'CFORB';
    end if;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__kept_to_the_resetting_clinic() is 'AFTER INSERT or UPDATE, for each row, after the sessions'' turns (_480_session_turns): an account whose password a clinic gave (user_secret.password_given_by_clinic) is made the owner of no new clinic, accepts no invitation of another clinic and has no membership there restored (FORBIDDEN) until the platform operator resets its password: whoever in that clinic knew the password would have the person''s access there.';
drop trigger if exists _220_kept_to_the_resetting_clinic on app_public.membership;
drop trigger if exists _485_kept_to_the_resetting_clinic on app_public.membership;
create trigger _485_kept_to_the_resetting_clinic after insert or update on app_public.membership
  for each row execute function app_private.tg_membership__kept_to_the_resetting_clinic();

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
    -- only, before the sessions' turns (_480_session_turns, once the statement's rows are written) as
    -- every membership update takes them: a delete is a soft delete, whose update comes back here.
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
comment on function app_private.tg_membership__guard_owners() is 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners (a platform admin only adds the first owner of a clinic they create; a person invited as an owner accepts or declines it themselves), a clinic always keeps an active owner who accepted, and an accepted membership never turns pending again.';
