--! Previous: sha1:ce86f0af9062c043b0ce9206fb03dc6c2ce52900
--! Hash: sha1:49d989a1feebefd852bc9f7fbec49755ee465ec1
--! Message: session functions with cached plans

-- Who is asking, answered from a cached plan.
--
-- Every policy asks for the session's clinic, role or membership once per
-- query (`(select app_public.current_clinic_id())`). As SQL functions, which a
-- security definer function never gets inlined, each of them planned its
-- lookup in app_private.session again in every query: about 0.1 ms each, three
-- of them in a day's visit list, a third of its execution time. PL/pgSQL
-- keeps the plan for the connection's life (0.02 ms a call). The same holds
-- for may_invoice; current_role_in, a sub-select that blocked its inlining,
-- now inlines. What they answer is unchanged.

create or replace function app_private.live_session() returns app_private.session
language plpgsql stable set search_path = pg_catalog, public, pg_temp
as $$
declare
  live app_private.session;
begin
  select s.* into live from app_private.session s
  where s.id = app_public.current_session_id() and s.revoked_at is null and s.expires_at > now();
  return live;
end;
$$;
comment on function app_private.live_session() is 'The session behind the request''s session id claim if it is live (neither revoked nor expired), else a row of nulls. Read by the current_* functions; PL/pgSQL so that its plan is cached per connection.';

create or replace function app_public.current_user_id() returns uuid
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$ begin return (app_private.live_session()).user_id; end; $$;

create or replace function app_public.current_clinic_id() returns uuid
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$ begin return (app_private.live_session()).clinic_id; end; $$;

create or replace function app_public.current_role() returns app_public.member_role
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$ begin return (app_private.live_session()).role; end; $$;

create or replace function app_public.current_user_is_platform_admin() returns boolean
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$ begin return coalesce((app_private.live_session()).is_platform_admin, false); end; $$;

create or replace function app_public.current_membership_id() returns uuid
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  live app_private.session := app_private.live_session();
begin
  return (select m.id from app_public.membership m
          where m.clinic_id = live.clinic_id and m.user_id = live.user_id and m.deleted_at is null);
end;
$$;

create or replace function app_hidden.current_role_in(variadic roles app_public.member_role[]) returns boolean
language sql stable
as $$
  select coalesce(app_public.current_role() = any (roles), false);
$$;

create or replace function app_hidden.may_invoice() returns boolean
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  return app_hidden.current_role_in('owner', 'admin', 'cashier')
    or (app_hidden.current_role_in('receptionist')
        and coalesce((select c.receptionists_may_invoice from app_public.clinic c where c.id = app_public.current_clinic_id()), false));
end;
$$;
