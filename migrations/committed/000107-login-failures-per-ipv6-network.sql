--! Previous: sha1:9a887effe5da6c4e70dc393b4751a4c9f2fbfa9c
--! Hash: sha1:9720507217bd9f03707ce9e58a33b1549a9edede
--! Message: login failures per ipv6 network

--------------------------------------------------------------------------------
-- Failed logins counted per IPv6 network, not per address.
--
-- Logins are throttled per client address (20 failures in 15 minutes). An IPv6 client holds a whole
-- /64 (its provider gives it one, and the address within it is the client's to choose), so it could
-- try 20 passwords from each of its 2^64 addresses. Failures are now counted per /64 for IPv6, and
-- per address for IPv4. The audit log keeps each attempt's own address.

create or replace function app_hidden.throttled_network(ip inet) returns inet
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select network(set_masklen(ip, case family(ip) when 6 then 64 else 32 end));
$$;
comment on function app_hidden.throttled_network(inet) is 'What failed logins are counted by: an IPv4 address, or the /64 network of an IPv6 one (a client chooses its address within the /64 it is given).';
revoke all on function app_hidden.throttled_network(inet) from public;

comment on column app_private.login_failure.ip is 'The client''s address (IPv4), or its /64 network (IPv6): what failures are counted by (app_hidden.throttled_network).';

create or replace function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_phone app_public.e164_phone;
  v_user app_public."user";
  v_secret app_private.user_secret;
  v_password_ok boolean;
  v_reason text;
  v_refusal jsonb;
  v_result jsonb;
  v_busy boolean := false;
begin
  begin
    v_phone := app_public.normalize_phone(phone, app_hidden.calling_code_for(null));
  exception when sqlstate 'CINPH' then
    v_refusal := jsonb_build_object('code', 'CINPH', 'message', sqlerrm);
    v_reason := 'invalid_phone';
  end;
  if password is null or password = '' then
    v_refusal := jsonb_build_object('code', 'CINVL', 'message', 'A password is required.');
    v_reason := 'no_password';
  elsif char_length(password) > 1024 then
    v_refusal := jsonb_build_object('code', 'CINVL', 'message', 'The password is too long.');
    v_reason := 'password_too_long';
  end if;

  if v_refusal is not null then
    null; -- refused for its input: no account is looked at
  elsif ip is not null and (
    select count(*) from app_private.login_failure f
    where f.ip = app_hidden.throttled_network(login.ip) and f.attempted_at > now() - interval '15 minutes'
  ) >= 20 then
    v_reason := 'address_throttled';
  else
    select * into v_user from app_public."user" u where u.phone = v_phone;
    -- Locked until this attempt is counted, so attempts cannot slip past the lockout by coming at
    -- once. One that finds another attempt on the account in flight is refused without checking
    -- its password (not queued: a burst of guesses would hold the API's connections in line).
    begin
      select * into v_secret from app_private.user_secret s where s.user_id = v_user.id for update nowait;
    exception when lock_not_available then
      v_busy := true;
    end;
    -- An unknown phone, or a busy account, still pays for one bcrypt, so timing tells nothing.
    v_password_ok := not v_busy
      and coalesce(crypt(password, coalesce(v_secret.password_hash, gen_salt('bf', 10))) = v_secret.password_hash, false);
    if v_busy then
      perform crypt(password, gen_salt('bf', 10));
    end if;
    v_reason := case
      when v_busy then 'attempt_in_flight'
      when v_user.id is null then 'unknown_phone'
      when not v_password_ok then 'wrong_password'
      when v_secret.locked_until > now() then 'locked'
      when not v_user.is_active then 'inactive'
    end;
  end if;

  if v_reason is not null then
    insert into app_private.login_failure (ip, phone) values (app_hidden.throttled_network(login.ip), v_phone);
    if v_secret.user_id is not null and not v_busy then
      update app_private.user_secret s set
        failed_login_count = case when s.first_failed_login_at > now() - interval '15 minutes' then s.failed_login_count + 1 else 1 end,
        first_failed_login_at = case when s.first_failed_login_at > now() - interval '15 minutes' then s.first_failed_login_at else now() end
      where s.user_id = v_secret.user_id
      returning * into v_secret;
      if v_secret.failed_login_count >= 5 and not coalesce(v_secret.locked_until > now(), false) then
        update app_private.user_secret s set locked_until = now() + interval '15 minutes' where s.user_id = v_secret.user_id;
      end if;
    end if;
    perform app_private.audit_failed_login(v_phone, login.ip, v_reason, v_user.id);
    return case when v_refusal is null then jsonb_build_object('status', 'invalid')
      else jsonb_build_object('status', 'refused', 'error', v_refusal) end;
  end if;

  begin
    v_result := app_private.open_session(v_user.id, login.clinic_id, login.ip, login.user_agent, login.ttl);
  exception when sqlstate 'CFORB' then
    -- the right password, for a clinic the user is not (or no longer) an active member of: a failed
    -- login, audited in the platform's chain (the clinic's managers are not shown a stranger's phone)
    perform app_private.audit_failed_login(v_phone, login.ip, 'not_a_member', v_user.id, jsonb_build_object('clinicId', login.clinic_id));
    return jsonb_build_object('status', 'not_a_member');
  end;
  -- a login that opened its session (not one refused above) clears the failures and is the last
  update app_private.user_secret s set failed_login_count = 0, first_failed_login_at = null, locked_until = null,
    last_login_at = now() where s.user_id = v_user.id;
  perform app_private.write_audit((v_result -> 'clinic' ->> 'id')::uuid, 'login', 'user', v_user.id, null, null,
    jsonb_build_object('ip', login.ip, 'sessionId', v_result ->> 'sessionId'), v_user.id);
  return v_result || jsonb_build_object('status', 'ok');
end;
$$;
