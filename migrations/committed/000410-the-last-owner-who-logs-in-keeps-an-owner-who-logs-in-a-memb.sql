--! Previous: sha1:d4689e0dbbfa10955454bee0e2a8df45b9d3e00e
--! Hash: sha1:17e1245504f6c026b429830160587b99a7d3f83d
--! Message: The last owner who logs in keeps an owner who logs in; a member is made an owner with a password of their own

-- An owner whose account is deactivated is no owner the clinic keeps
--
-- A clinic keeps at least one active owner who accepted their membership (tg_membership__guard_owners), so that
-- someone can always add, change or remove an owner, reset an admin's password and reopen a day. The other owners it
-- counted were any whose membership was active, whatever their account: an owner whose account the operator had
-- deactivated (`user.is_active` false: no login, no session) counted, and the last owner who could log in stepped
-- down, suspended or removed themselves for them, leaving the clinic with no one to do any of it until the operator
-- stepped in. The step-down of an owner whose account is active now needs another owner whose account is active too.
-- An owner whose own account is deactivated still needs another owner as before, whatever that one's account (their
-- membership is no owner the clinic can use: the operator cleans it up). A deactivation at the same time as a
-- step-down is the operator's act, which may leave the clinic without an owner who logs in either way, as one after
-- the step-down would; it is not held here.
create or replace function app_private.tg_membership__guard_owners() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
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
  -- whether the owner stepping down logs in (their account active): then the owner kept must log in too
  v_logs_in boolean;
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
    select u.is_active into v_logs_in from app_public."user" u where u.id = old.user_id;
    -- an owner kept is one who logs in (their account active: 000410), unless the one stepping down does not either
    if not exists (
      select 1 from app_public.membership m join app_public."user" u on u.id = m.user_id
      where m.clinic_id = v_row.clinic_id and m.id <> v_row.id and m.role = 'owner' and m.is_active and m.deleted_at is null
        and m.accepted_at is not null and (u.is_active or not v_logs_in)
    ) then
      raise exception 'A clinic must keep at least one active owner.' using errcode = 'CFORB';
    end if;
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
revoke all on function app_private.tg_membership__guard_owners() from public;
comment on function app_private.tg_membership__guard_owners() is 'BEFORE INSERT/UPDATE/DELETE: only owners manage owners (a platform admin only adds the first owner of a clinic they create; a person invited as an owner accepts or declines it themselves), a clinic always keeps an active owner who accepted, whose account is active too (an owner who logs in steps down only for another who logs in; one whose account the operator deactivated for any other owner), and an accepted membership never turns pending again, except a removed one invited again (invite_again, clinicops.reinvitation), whose role of before is replaced, not changed.';

-- A member is made an owner with a password of their own
--
-- A clinic's admin gives passwords (resetMemberPassword of a doctor, a receptionist or a cashier; inviteMember of a new
-- phone) but no owner's: an owner's password is the platform operator's to reset, decision 006 keeping admins below
-- owners. Yet an owner could make such a member an owner (updateMembership's role) while the password was still the
-- one the admin had given, which nothing makes its holder change before they next log in: the admin then logged in as
-- an owner with it, and every rule an owner alone passes (owners managed, days reopened) was theirs. As 000365 keeps an
-- account whose password is not its holder's (password_set_by_holder false: an inviter's, a reset's, the operator's)
-- from being made a new clinic's owner, and an invitation from being answered (check_password_set_by_holder), a member
-- of a clinic is now made its owner only once they have chosen their own password (POST /auth/password): FORBIDDEN
-- before, the membership as it was. Only a promotion asked in a session (the operator's psql is not held); a new phone
-- an owner invites as an owner is an owner at once as before (the password is that owner's choice, as the platform
-- admin's is for a new clinic's owner), and an invitation made an owner's is answered by its holder alone.
create or replace function app_private.tg_membership__owner_chose_their_password() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
  set clinicops.reinvitation to 'off'
as $$
begin
  -- a member who holds their membership (accepted) made an owner in a session; a pending invitation is answered by
  -- its person, whose password is checked then (accept_invitation)
  if new.accepted_at is not null and app_public.current_user_id() is not null
     and not coalesce((select s.password_set_by_holder from app_private.user_secret s where s.user_id = new.user_id), false) then
    raise exception 'This person''s password is still the one given them by whoever made their account or reset it, who may log in as them: they choose their own first (POST /auth/password), then they are made an owner.'
      using errcode = 'CFORB';
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_membership__owner_chose_their_password() from public;
comment on function app_private.tg_membership__owner_chose_their_password() is 'BEFORE UPDATE OF role, to owner (after _200_guard_owners, which lets only owners do it): a member who accepted their membership is made an owner in a session only once their password is their own (user_secret.password_set_by_holder), FORBIDDEN before: whoever gave it (an admin''s reset or invitation of a new phone) would log in as an owner with it.';
drop trigger if exists _205_owner_chose_their_password on app_public.membership;
create trigger _205_owner_chose_their_password before update of role on app_public.membership
  for each row when (new.role = 'owner' and old.role is distinct from 'owner')
  execute function app_private.tg_membership__owner_chose_their_password();
