--! Previous: sha1:a7023c5e6b0c3fd1572c1f63463ba7bf691ad7ed
--! Hash: sha1:37e51f828e16115d0484b142ed4c4dc0ba51fc2e
--! Message: A password reset takes the clinic's turn of membership changes first

-- A password reset takes the clinic's turn of membership changes first
--
-- Since the invitation takes the clinic's turn of membership changes (take_members_turn) before the platform's audit
-- chain, which it writes for a new account, a manager who reset a password in a transaction of their own SQL (the
-- operator's psql as a clinic's manager, taking no API turn to write), ending a session in no clinic in the platform's
-- chain, and then changed a membership (removeMember, a role) deadlocked with an invitation of a new phone made
-- meanwhile: the invitation held the turn and waited for the platform's chain, the manager held that chain and waited
-- for the turn ("deadlock detected", the invitation undone), where before both went through, the invitation second.
-- reset_member_password now takes the turn too, once its refusals that read nothing and the password's hash are
-- passed, before it locks the membership, the phone or any chain: an invitation waits for the reset's turn holding
-- nothing, as it waits for any other change of the clinic's memberships.
create or replace function app_public.reset_member_password(membership_id uuid, password text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_hash text;
  v_member app_public.membership;
  v_user app_public."user";
  v_ended integer;
begin
  if v_clinic is null or not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can reset a member''s password.' using errcode = 'CFORB';
  end if;
  -- the password rule first, and bcrypt before any lock is held
  v_hash := app_private.hash_password(reset_member_password.password);
  -- the clinic's turn of membership changes, as a manager's change of a membership and an invitation take it, before
  -- the membership's, the phone's or any chain's lock: an invitation (which holds the turn while it waits for the
  -- platform's chain) waits for the reset holding nothing, and a membership changed after the reset in its transaction
  -- finds the turn already its own
  perform app_private.take_members_turn(v_clinic);
  -- held until commit, so the member's role, suspension or removal waits for the reset, and a change of
  -- them first is read as committed (an admin's reset of a doctor made an owner meanwhile is refused)
  select * into v_member from app_public.membership m
  where m.clinic_id = v_clinic and m.id = reset_member_password.membership_id for share;
  if v_member.id is null then
    raise exception 'No such member in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_member.user_id = app_public.current_user_id() then
    raise exception 'Your own password you change yourself, giving the current one (POST /auth/password).' using errcode = 'CFORB';
  end if;
  if v_member.accepted_at is null then
    raise exception 'This person has not accepted the invitation: their account is not the clinic''s, and only the platform operator resets its password.'
      using errcode = 'CFORB';
  end if;
  if v_member.role = 'owner' then
    raise exception 'An owner''s password is reset by the platform operator alone.' using errcode = 'CFORB';
  end if;
  if v_member.role = 'admin' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner resets an admin''s password.' using errcode = 'CFORB';
  end if;
  -- as the operator's reset takes them (reset_password): the phone's lock, which an invitation to the person
  -- from any clinic takes (find_or_create_user), so one in flight is read below, committed, and a login at this
  -- moment is told to retry; then a password change's (replace_password): the secret, the account's row and
  -- the sessions' turn
  select * into v_user from app_public."user" u where u.id = v_member.user_id;
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_user.phone));
  perform app_private.hold_for_new_password(v_user.id);
  select * into v_user from app_public."user" u where u.id = v_user.id;
  if v_user.is_platform_admin then
    raise exception 'This person is a platform administrator: only the platform operator resets their password.' using errcode = 'CFORB';
  end if;
  -- the reset hands whoever knows the new password the person's access everywhere: only where it is this clinic's alone
  if app_private.member_elsewhere(v_user.id, v_clinic) then
    raise exception 'This person also belongs to another clinic, or is invited to one: only the platform operator resets their password.'
      using errcode = 'CFORB';
  end if;
  v_ended := app_private.replace_password(v_user.id, v_hash, v_clinic, jsonb_build_object('by', 'resetMemberPassword', 'membershipId', v_member.id));
  -- the caller's role as it is now that the clinic's audit chain is the reset's (replace_password wrote in it, its head
  -- held until commit): a change of the caller's membership or account is audited in that chain, so one committed while
  -- the reset waited is read here (a statement of its own), and one under way commits after the reset; refused, the
  -- reset is undone whole
  if not app_hidden.current_role_in('owner', 'admin') then
    raise exception 'Only an owner or admin can reset a member''s password: your role in this clinic has changed.' using errcode = 'CFORB';
  end if;
  if v_member.role = 'admin' and not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner resets an admin''s password: your role in this clinic has changed.' using errcode = 'CFORB';
  end if;
  return v_ended;
end;
$$;

comment on function app_public.reset_member_password(membership_id uuid, password text) IS 'Gives a member of the current clinic a new password, for one who forgot theirs; answers how many of their sessions it ended. Owners reset admins, doctors, receptionists and cashiers; admins reset doctors, receptionists and cashiers; never their own (POST /auth/password), an owner''s, a platform administrator''s, or that of a person who also belongs to another clinic or is invited to one (the platform operator resets those: npm run password), all FORBIDDEN; nor a pending invitation''s (FORBIDDEN: the account is not the clinic''s until the person accepts). The caller''s role is read again once the clinic''s audit chain is the reset''s: a caller demoted, suspended, removed or deactivated while the reset waited is refused (FORBIDDEN "… your role in this clinic has changed.", or UNAUTHENTICATED, their session ended), the reset undone. The password follows the rule of every password (check_password); replaced by replace_password. The person must choose their own at their next chance (currentUserPasswordSetByHolder false: they answer no invitation before), every session of theirs ends, an account locked by wrong passwords is unlocked, and the reset is audited in the clinic''s chain (an update of user_secret by the caller, without the password or its hash, counting the sessions in the clinic it ended; those in no clinic in the platform''s chain, sessions_ended). NOT_FOUND for a membership not of the clinic, or removed. It takes the clinic''s turn of membership changes (take_members_turn) before it locks anything, as an invitation does, so that the two wait for each other holding nothing.';
revoke all on function app_public.reset_member_password(membership_id uuid, password text) from public;
grant all on function app_public.reset_member_password(membership_id uuid, password text) to :DATABASE_VISITOR;
comment on function app_private.take_members_turn(clinic_id uuid) is 'Takes, until commit, the clinic''s turn of changes to its memberships by its owners and admins (tg_membership__managers_take_turns, remove_member, invite_member, reset_member_password), before any membership row is locked: two at once take turns, and the second is judged by the role its caller has once the first has committed (tg_membership__changed_by_a_manager). invite_member takes it before any other lock or audit chain head of its own, and reads the clinic''s memberships after it; reset_member_password before the membership''s, the phone''s and the chains'' locks.';
