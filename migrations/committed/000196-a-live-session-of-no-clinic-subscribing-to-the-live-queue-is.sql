--! Previous: sha1:fa4a04dd12dc299a0f8a8363711a68b74be0cc16
--! Hash: sha1:ccc61397c2f74a9ed658396b9f2320a7fb732a76
--! Message: A live session of no clinic subscribing to the live queue is FORBIDDEN

-- A live session of no clinic (a member of two clinics who logged in without naming one) subscribing to the
-- live queue was told to log in again (UNAUTHENTICATED, "Log in to a clinic to follow its visit queue."), which
-- a frontend takes for a logout; everywhere else such a session is told to pick a clinic (FORBIDDEN, auth.md).
create or replace function app_hidden.visit_queue_channel() RETURNS text
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_channel text;
begin
  if v_clinic_id is null then
    -- a live session of no clinic is told to pick one (FORBIDDEN), as everywhere a clinic is needed;
    -- without a live session, null: the API tells the client to log in (UNAUTHENTICATED)
    if app_public.current_user_id() is not null then
      raise exception 'Your session is in no clinic: log in to a clinic (or switch to one) to do this.' using errcode = 'CFORB';
    end if;
    return null;
  end if;
  v_channel := app_private.visit_queue_channel(v_clinic_id);
  if v_channel is null then
    raise exception 'The live queue has no key: app_private.secret_key has no live_queue row (insert into app_private.secret_key (purpose) values (''live_queue'')).';
  end if;
  return v_channel;
end;
$$;

comment on function app_hidden.visit_queue_channel() is 'The live visit queue''s channel of the live session''s clinic: what the API listens to for the subscription visitQueueChanged. Null without a live session; a live session of no clinic is FORBIDDEN. Without the key (app_private.secret_key, live_queue) it fails, naming the key.';
