--! Previous: sha1:1bb8b2b6443db3ea7a836b5eef30adc69e0543ad
--! Hash: sha1:e933b4e76af6fb416a640eb5c0e84b3291f1b6c9
--! Message: The address throttle reads at most 20 failures; a login naming a clinic the user is not in audited once a quarter of an hour

-- An address that keeps trying reads 20 of its failures at each attempt
--
-- The address throttle counted every failure of the address in the last 15 minutes at each attempt, a login's or a
-- password change's, though its answer needs 20 of them: a refused address is still counted at each attempt (so it stays
-- refused), so one client sending wrong logins from one address made each of its next attempts read all it had sent
-- (about 300 a second left 280,000 rows to read, 35 to 200 ms of the database an attempt, one on each connection of the
-- pool, and more the longer it went on). It now reads at most 20 of them, off login_failure_ip_idx in its order (not a
-- bitmap of it, which reads every entry it matches whatever the limit, and which the plan, made for any address, chose
-- when the table's addresses have a few failures each); whether one of the window's failures was itself a refusal (the
-- first refusal is the one audited) is asked only of an address at 20, and stops at the first it finds (the failures
-- counted before the throttle refused are at most 20 and those at once).
create or replace function app_private.address_throttle(ip inet, in_flight integer default 0, out refused boolean, out first_refusal boolean)
  language sql stable
  set search_path to pg_catalog, public, pg_temp
  -- read off the index in its order, which stops at the 20th: planned for any address (the API plans generically), the
  -- few failures an address has on average made a bitmap of the index the cheaper plan, and it read every one of them
  set enable_bitmapscan to off
as $$
  -- 20 failures at most: the answer is the same for 20 as for 280,000
  select w.failures + address_throttle.in_flight >= 20,
    -- the first refusal: none of the window's failures was one (attempts at once can take the count past 20 without
    -- landing on it, which left a throttled address never audited)
    w.failures >= 20 and not exists (
      select from app_private.login_failure f
      where f.ip = app_hidden.throttled_network(address_throttle.ip) and f.attempted_at > now() - interval '15 minutes'
        and f.throttled)
  from (
    select count(*)::integer as failures from (
      select from app_private.login_failure f
      where f.ip = app_hidden.throttled_network(address_throttle.ip) and f.attempted_at > now() - interval '15 minutes'
      limit 20) window_failures
  ) w;
$$;
comment on function app_private.address_throttle(ip inet, in_flight integer) is 'The login throttle on the client address `ip` (its network, throttled_network): `refused` once it has 20 failures in the last 15 minutes, counting as failures `in_flight` attempts of it under way (enter_address_attempt, which reads them: read before this is called, so that one ended meanwhile is read here as the failure it was), `first_refusal` when none of those failures was itself a refusal by the throttle (the one to audit; attempts in flight aside). Neither for a null address. Reads 20 of the address''s failures at most, off login_failure_ip_idx in its order (an address refused is still counted at each attempt, and reading them all made each attempt of one that kept trying cost more), and asks whether one was a refusal only at 20. For login and change_password.';
revoke all on function app_private.address_throttle(ip inet, in_flight integer) from public;

-- A login naming a clinic one is not a member of is audited once a quarter of an hour an account
--
-- The right password naming a clinic the account is not an active member of is a failed login audited in the platform's
-- chain (not_a_member, 000038), and, the password being right, counted against neither the address nor the account: so
-- nothing held it, and one account's logins naming random clinic ids wrote an entry each into the platform's chain, which
-- nobody may delete from (30 of one address in a row, all written; ~18 a second of one account, the bcrypt alone holding
-- it back, and any owner makes accounts whose passwords they know). It is now audited once a quarter of an hour an
-- account, as a switch to such a clinic is once a quarter of an hour a session (000153, switch_refused_at): the first
-- tells the platform's operator what was tried, and the login is refused all the same.
alter table app_private.user_secret add column if not exists not_a_member_audited_at timestamptz;
comment on column app_private.user_secret.not_a_member_audited_at is 'When a login of the account with its right password naming a clinic it is not an active member of (not_a_member) was last audited: such logins are audited once a quarter of an hour an account (audit_failed_login), as a switch to such a clinic is once a quarter of an hour a session (session.switch_refused_at).';
create or replace function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb default '{}'::jsonb) returns void
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  -- the right password naming a clinic the account is not a member of, counted against nothing (the password is right):
  -- once a quarter of an hour an account, as a session's switches are (switch_refused_at), not an entry a request
  if audit_failed_login.reason = 'not_a_member' then
    update app_private.user_secret s set not_a_member_audited_at = now()
    where s.user_id = audit_failed_login.user_id
      and (s.not_a_member_audited_at is null or s.not_a_member_audited_at < now() - interval '15 minutes');
    if not found then
      return;
    end if;
  end if;
  perform app_private.write_audit(null, 'login_failed', 'user', audit_failed_login.user_id, null, null,
    jsonb_build_object('phone', audit_failed_login.phone, 'ip', audit_failed_login.ip, 'reason', audit_failed_login.reason)
      || audit_failed_login.extra,
    -- the account did it only if it is known to have: the right password, or its own session
    case when audit_failed_login.reason in ('locked', 'inactive', 'not_a_member', 'password_change_refused', 'switch_not_a_member') then audit_failed_login.user_id end);
end;
$$;
comment on function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) is 'Writes a failed login''s entry (action login_failed) in the platform''s audit chain: the phone (normalised, or null when it was not a phone number), the client address, the reason and, in extra, anything the reason needs (the clinic asked for). The record is the account the phone belongs to, when there is one; the actor is that account only when the password was right (locked, inactive, not_a_member) or its own session asked (password_change_refused, switch_not_a_member: a switch to a clinic it is not a member of), else no one. A not_a_member login (the right password naming a clinic the account is not an active member of, counted against neither the address nor the account) is written once a quarter of an hour an account (user_secret.not_a_member_audited_at), as a session''s switch_not_a_member is (switch_clinic), not one a request.';
revoke all on function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) from public;
