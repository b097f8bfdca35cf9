--! Previous: sha1:37e51f828e16115d0484b142ed4c4dc0ba51fc2e
--! Hash: sha1:2a3488336740823f4cc7334caca7bc39a203c9fc
--! Message: A clinic made by a manager of the session's clinic takes that clinic's turn of membership changes first

-- A clinic made by a platform administrator who manages the session's clinic takes that clinic's turn first
--
-- create_clinic_with_owner took the owner's phone lock and then, at the owner's membership, the session's clinic's turn of
-- membership changes (tg_membership__managers_take_turns takes it for a statement on memberships by an owner or admin of
-- the session's clinic, whichever clinic the rows are of). A password reset in that clinic takes the turn before the
-- member's phone lock since 000467 (an invitation since 000464): a platform administrator managing the clinic, making a
-- clinic for one of its members in a session of their own SQL while the clinic's owner reset that member's password,
-- deadlocked with the reset ("deadlock detected", the making undone), where before 000467 the reset waited. The function
-- now takes that turn itself, before the phone's lock, when its caller is an owner or admin of the session's clinic: the
-- reset or invitation and the making of a clinic wait for each other holding nothing.
create or replace function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text DEFAULT NULL::text) RETURNS app_public.clinic
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $_$
declare
  v_clinic app_public.clinic;
  v_name text := regexp_replace(create_clinic_with_owner.name, '^\s+|\s+$', '', 'g');
  v_phone app_public.e164_phone;
  v_owner record;
begin
  if not app_public.current_user_is_platform_admin() then
    raise exception 'Only a platform administrator can create clinics.' using errcode = 'CFORB';
  end if;
  if not app_public.is_valid_timezone(coalesce(timezone, '')) then
    raise exception 'Unknown time zone: use an IANA name such as Africa/Nairobi.' using errcode = 'CINVL';
  end if;
  perform app_private.check_person_name(owner_name); -- before the phone is looked up
  v_phone := app_public.normalize_phone(owner_phone, app_hidden.calling_code_for(null));
  -- a platform administrator who manages the session's clinic takes its turn of membership changes at the owner's
  -- membership below (tg_membership__managers_take_turns): taken here first, before the phone's lock, as a password
  -- reset or an invitation in that clinic takes it before the phone's, so that each waits for the other holding nothing
  perform app_private.take_members_turn(app_public.current_clinic_id())
  where app_hidden.current_role_in('owner', 'admin');
  -- one owner's requests take turns, under the phone's lock that find_or_create_user takes below
  perform pg_advisory_xact_lock(app_private.account_lock_key(v_phone));
  if exists (
    select 1 from app_public.clinic c
    join app_public.membership m on m.clinic_id = c.id and m.role = 'owner' and m.deleted_at is null
      and m.is_active and m.accepted_at is not null
    join app_public."user" u on u.id = m.user_id
    where u.phone = v_phone and app_private.clinic_name_key(c.name) = app_private.clinic_name_key(v_name)
  ) then
    raise exception 'This owner already has a clinic named %.', v_name using errcode = 'CCONF';
  end if;
  insert into app_public.clinic (name, timezone, currency, calling_code)
  values (v_name, create_clinic_with_owner.timezone, upper(btrim(currency)), app_hidden.country_calling_code(v_phone))
  returning * into v_clinic;
  v_owner := app_private.find_or_create_user(v_phone, owner_name, owner_password);
  -- an account the operator deactivated logs in nowhere: its person would be the owner of a clinic no one can open
  if not (select u.is_active from app_public."user" u where u.id = v_owner.user_id) then
    raise exception 'This person''s account is deactivated, so they could not log in to the clinic: the platform operator reactivates it first, then the clinic is made for them.'
      using errcode = 'CFORB';
  end if;
  -- a clinic that reset the password is refused here first (_485_kept_to_the_resetting_clinic), saying what lifts it
  insert into app_public.membership (clinic_id, user_id, role) values (v_clinic.id, v_owner.user_id, 'owner');
  -- whoever chose the password of an account made before (an admin of another clinic inviting a new phone) could log in
  -- as the owner: the person takes a clinic once the password is theirs alone, as they answer an invitation (the raise
  -- undoes the clinic); the one given for a new account is the platform admin's to hand over
  if not v_owner.created
     and not coalesce((select s.password_set_by_holder from app_private.user_secret s where s.user_id = v_owner.user_id), false) then
    raise exception 'This person''s password is still the one whoever made their account chose, who may log in as them: they choose their own first (POST /auth/password), then the clinic is made for them.'
      using errcode = 'CFORB';
  end if;
  return v_clinic;
end;
$_$;

comment on function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) is 'Creates a clinic and its first owner (an existing user with that phone keeps their name and password: ownerPassword is needed for a new account only). An existing user whose password is not their own (password_set_by_holder false: chosen by whoever made the account, an inviter of another clinic, or reset) is FORBIDDEN, nothing made, until they change it (POST /auth/password): whoever chose it could log in as the owner; one a clinic reset is FORBIDDEN as such first (_485_kept_to_the_resetting_clinic), until the platform operator resets it and the person then changes it; one whose account is deactivated is FORBIDDEN, nothing made, until the operator reactivates it (000412). The clinic completes national phone numbers with the country calling code of the owner''s phone until its settings say otherwise. A second clinic of the same name (any case, white space collapsed) for a person who already owns one is a CONFLICT (a request sent twice makes one clinic). Platform administrators only. A platform administrator who is an owner or admin of the session''s clinic takes that clinic''s turn of membership changes (take_members_turn) before the owner''s phone lock, as a password reset or an invitation there does.';
revoke all on function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) from public;
grant all on function app_public.create_clinic_with_owner(name text, timezone text, currency text, owner_phone text, owner_name text, owner_password text) to :DATABASE_VISITOR;
comment on function app_private.take_members_turn(clinic_id uuid) is 'Takes, until commit, the clinic''s turn of changes to its memberships by its owners and admins (tg_membership__managers_take_turns, remove_member, invite_member, reset_member_password, create_clinic_with_owner for a caller managing the session''s clinic), before any membership row is locked: two at once take turns, and the second is judged by the role its caller has once the first has committed (tg_membership__changed_by_a_manager). invite_member takes it before any other lock or audit chain head of its own, and reads the clinic''s memberships after it; reset_member_password before the membership''s, the phone''s and the chains'' locks; create_clinic_with_owner before the owner''s phone lock.';
