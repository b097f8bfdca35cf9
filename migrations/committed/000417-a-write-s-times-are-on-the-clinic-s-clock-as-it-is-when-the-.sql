--! Previous: sha1:c7bf9063f7e9e7ae88be903aab8e6414746ce07a
--! Hash: sha1:51ab39e7e839e7a711fd788e878c3b7e77265cf1
--! Message: A write's times are on the clinic's clock as it is when the write runs

-- A write's clock is its clinic's time zone as it is once the write's turn comes
--
-- Every API transaction of a clinic's session sets its TimeZone to the clinic's zone (app_hidden.clinic_time_zone) in
-- the statement that opens it, and a write then waits for the clinic's turn to write (take_clinic_write_turn, 000143),
-- which a change of the clinic's zone through the API holds until it commits. A write sent during the change read the
-- zone before its wait, so it ran on the old clock once its turn came: a visit booked for 09:00 (a time without an
-- offset, read on the clinic's clock) while the clinic moved from Dar es Salaam to Kathmandu was booked at 09:00 in
-- Dar es Salaam, 11:45 in Kathmandu, and its answer gave times in the old zone. The turn now sets the session's zone
-- again once it is taken, read as it is then (the change committed before), so the write's times, those it reads and
-- those it answers, are on the clinic's clock as it is when the write runs.
create or replace function app_hidden.take_clinic_write_turn()
 returns void
 language plpgsql
 security definer
 set search_path to 'pg_catalog', 'public', 'pg_temp'
 set "clinicops.include_deleted" to 'off'
 set "clinicops.every_clinic" to 'off'
 set "clinicops.reinvitation" to 'off'
as $function$
declare
  v_clinic uuid;
begin
  -- the clinic of the session claimed, live or not (whether it is, the transaction's own statements
  -- tell, through live_session: an ended one waits its turn, then is refused or logged out); nothing
  -- to wait for without a claim or a clinic
  select s.clinic_id into v_clinic from app_private.session s where s.id = app_public.current_session_id();
  if v_clinic is not null then
    perform pg_advisory_xact_lock(hashtextextended('write_turn:' || v_clinic, 0));
    -- the clinic's zone as it is now that the turn is ours: a change of it that held the turn has committed, and the
    -- zone read as the transaction opened (before the wait) may be the old one (until the transaction ends, as then)
    perform set_config('timezone', coalesce((select z.time_zone from app_hidden.clinic_time_zone z where z.clinic_id = v_clinic), 'UTC'), true);
  end if;
end;
$function$;
comment on function app_hidden.take_clinic_write_turn() is 'Takes the session''s clinic''s turn to write, until the transaction ends: an advisory lock of the clinic that nothing else takes. The API calls it first in every write transaction of a clinic''s session, so that the API''s writes of a clinic go one after another and none holds a row another waits for while it waits for the audit chain (a deadlock). Once the turn is taken, it sets the transaction''s TimeZone to the clinic''s zone as it is then (app_hidden.clinic_time_zone): a change of the zone holds the turn until it commits, and a write sent meanwhile read the old zone as it opened, and took its times on the old clock (000417). Nothing for a session of no clinic. A session that has ended takes its turn too: its transaction''s own statements refuse it (live_session), or a logout clears it.';
revoke all on function app_hidden.take_clinic_write_turn() from public;
grant execute on function app_hidden.take_clinic_write_turn() to :DATABASE_VISITOR;
comment on table app_hidden.clinic_time_zone is 'Each clinic''s time zone, kept by a trigger on clinic: what an API transaction sets as its TimeZone, read by the login role in the statement that opens it, and read again by take_clinic_write_turn once a write''s turn to write has come (000417).';
