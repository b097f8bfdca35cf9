--! Previous: sha1:2815e5b340b03379fbdbb8b51ab784e93a6eedcf
--! Hash: sha1:7ed18376ddc253dd2ab168444b671e63bfce3f65
--! Message: a password change from a throttled address is its account's act

-- Enter migration here

-- A failed login the account's own session asked is that account's act, an address-throttled password change too
--
-- audit_failed_login named the account as the actor of a failed login when the password was right or the account's own
-- session asked, by the reason alone: password_change_refused (a wrong current password at POST /auth/password) and
-- switch_not_a_member. A password change refused because its address is one the login throttle refuses is audited as
-- address_throttled, a reason a login shares, so its entry named no one, as if anyone had typed the phone, though the
-- request came from the account's own live session (a stolen cookie trying the password from a throttled network was
-- not among what that person's session did, in the filter by actor). The actor is now also the account whenever the
-- request's session is the account's and live (the session of the claim, read without ending the request as
-- current_user_id would for one ended): a login, which no session asks, names no one as before.
create or replace function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb default '{}'::jsonb) returns void
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
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
    -- the account did it only if it is known to have: the right password, or its own session (a password change,
    -- whatever refused it: a wrong current password, or its address throttled; a switch)
    case when audit_failed_login.reason in ('locked', 'inactive', 'not_a_member', 'password_change_refused', 'switch_not_a_member')
           or audit_failed_login.user_id = (select s.user_id from app_private.session s
                                             where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now())
         then audit_failed_login.user_id end);
end;
$$;

revoke all on function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) from public;

comment on function app_private.audit_failed_login(phone text, ip inet, reason text, user_id uuid, extra jsonb) is 'Writes a failed login''s entry (action login_failed) in the platform''s audit chain: the phone (normalised, or null when it was not a phone number), the client address, the reason and, in extra, anything the reason needs (the clinic asked for). The record is the account the phone belongs to, when there is one; the actor is that account only when the password was right (locked, inactive, not_a_member) or its own live session asked (password_change_refused, switch_not_a_member: a switch to a clinic it is not a member of; and address_throttled for a password change from an address the throttle refuses), else no one (a login, which no session asks). A not_a_member login (the right password naming a clinic the account is not an active member of, counted against neither the address nor the account) is written once a quarter of an hour an account (user_secret.not_a_member_audited_at), as a session''s switch_not_a_member is (switch_clinic), not one a request.';
