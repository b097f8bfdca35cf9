--! Previous: sha1:ea2818bb7ba6547a011bbe679f253834a40feaea
--! Hash: sha1:6b61e0eadcdb4dcd6ea3be4546383e4828b4a483
--! Message: invite_again's mark is set by its definition and read by one function

-- invite_again's mark is set by its definition and read by one function
--
-- 000300 marked invite_again's update for the membership's triggers by hand: it saved clinicops.reinvitation, set it
-- with set_config and put it back, where every other function that needs a setting for its duration (include_deleted,
-- every_clinic) sets it in its definition, which PostgreSQL undoes on return, whatever happens. And the two triggers
-- each wrote the test of a removed membership made pending again under that mark, one reading a missing setting as
-- null (000308 mended the other one alone). invite_again now sets the mark in its definition (the owner role is given
-- SET on it at every start, as on the others: db/setup.ts), and both triggers ask app_private.invited_again, which
-- reads a missing mark as off. Nothing a user sees changes.
create or replace function app_private.invited_again(old app_public.membership, new app_public.membership) returns boolean
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select coalesce(invited_again.old.deleted_at is not null and invited_again.new.deleted_at is null
                  and invited_again.new.accepted_at is null
                  and current_setting('clinicops.reinvitation', true) = 'on', false);
$$;
revoke all on function app_private.invited_again(app_public.membership, app_public.membership) from public;
comment on function app_private.invited_again(app_public.membership, app_public.membership) is 'Whether an update of a membership from `old` to `new` is invite_again''s: a removed membership made pending again while invite_again runs (its definition sets clinicops.reinvitation), an invitation like a new one and not restoreMember''s restore. False when the mark is missing (a connection where invite_again never ran). For the membership''s triggers (tg_membership__guard_owners, tg_membership__declined_stays_declined).';

create or replace function app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) returns app_public.membership
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
  set clinicops.reinvitation to 'on'
as $$
declare
  v_membership app_public.membership;
begin
  -- removed rows are read with include_deleted, and the membership's triggers take this update for an invitation, not
  -- restoreMember's restore, with reinvitation (both on in this function's definition)
  update app_public.membership m
  set deleted_at = null, deleted_by = null, accepted_at = null, role = invite_again.role, is_active = true
  where m.clinic_id = invite_again.clinic_id
    and m.id = (
      select o.id from app_public.membership o
      where o.clinic_id = invite_again.clinic_id and o.user_id = invite_again.user_id and o.deleted_at is not null
      order by o.accepted_at is not null desc, o.deleted_at desc, o.id
      limit 1)
  returning * into v_membership;
  return v_membership;
end;
$$;
revoke all on function app_private.invite_again(uuid, uuid, app_public.member_role) from public;
comment on function app_private.invite_again(uuid, uuid, app_public.member_role) is 'invite_member''s invitation of someone the clinic removed (or whose invitation was withdrawn or declined): their removed membership of the clinic (the newest they had accepted, else the newest) made pending again with the new role, active, so that the visits booked with them are theirs once they accept; null when they have none. Sets clinicops.reinvitation in its definition, which the membership''s triggers read (app_private.invited_again) as an invitation.';

create or replace function app_private.tg_membership__guard_owners() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_row app_public.membership := coalesce(new, old);
  -- invite_again: a removed membership asked again, an invitation like a new one (its role of before is not changed
  -- but replaced, so it touches an owner only if it invites one)
  v_invited_again boolean := tg_op = 'UPDATE' and app_private.invited_again(old, new);
  v_touches_owner boolean := (tg_op <> 'INSERT' and old.role = 'owner' and not v_invited_again) or (tg_op <> 'DELETE' and new.role = 'owner');
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
  if tg_op = 'UPDATE' and old.accepted_at is not null and new.accepted_at is null and not v_invited_again then
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
comment on function app_private.tg_membership__guard_owners() is 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners (a platform admin only adds the first owner of a clinic they create; a person invited as an owner accepts or declines it themselves), a clinic always keeps an active owner who accepted, and an accepted membership never turns pending again, except a removed one invited again (invite_again, clinicops.reinvitation), whose role of before is replaced, not changed.';

create or replace function app_private.tg_membership__declined_stays_declined() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  -- (on in this function's definition); an update other than invite_again's (a membership of before asked again:
  -- an invitation, as a new membership is) is a restore. invite_again's mark is missing (null) on a connection that
  -- never ran it: read as not set, so that the condition is false, not null, and such a restore is one
  if tg_op = 'UPDATE' and not app_private.invited_again(old, new) then
    if old.deleted_at is not null and new.deleted_at is null then
      if old.accepted_at is null and old.deleted_by = old.user_id then
        raise exception 'They declined this invitation: it cannot be brought back.' using errcode = 'CFORB';
      end if;
      if exists (
        select 1 from app_public.membership m
        where m.clinic_id = new.clinic_id and m.user_id = new.user_id and m.id <> new.id
          and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > old.deleted_at
      ) then
        raise exception 'They declined an invitation from this clinic since this was removed: only a new invitation, 30 days after they declined, asks them again.'
          using errcode = 'CFORB';
      end if;
    end if;
    return new;
  end if;
  -- an invitation, on a new membership or on the membership of before: within 30 days of a decline (this
  -- membership's own included), refused
  if exists (
    select 1 from app_public.membership m
    where m.clinic_id = new.clinic_id and m.user_id = new.user_id
      and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > now() - interval '30 days'
  ) then
    raise exception 'They declined an invitation from this clinic less than 30 days ago.' using errcode = 'CCONF';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__declined_stays_declined() is 'BEFORE INSERT, UPDATE OF deleted_at: an invitation its person declined (removed by them while pending) is never restored, nor is any membership of theirs removed before they declined an invitation from the clinic; the clinic invites them again only 30 days after, a new membership or one of before invited again (invite_again, clinicops.reinvitation: an update without it, missing or not on, is a restore).';
