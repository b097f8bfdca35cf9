--! Previous: sha1:224c2cce0009d4e1df62e12f48d1902fc3425584
--! Hash: sha1:0bafa73eb36e4cf32f89047d001696dcf6feae56
--! Message: a clinic s writes take turns from their start

-- A clinic's write transactions through the API take their turn first.
--
-- Every audited write locks its clinic's audit chain head (write_audit) and holds it until commit, so
-- a clinic's writes already went one at a time from their first audited row on. Before that row,
-- though, a transaction may lock others: a cashier correcting a payment locked it, then waited for the
-- chain, while another cashier's payment of the same invoice held the chain and waited for the
-- payment's invoice. PostgreSQL broke the deadlock after a second and one of them was told RETRY (an
-- exploratory tester over HTTP: 10 to 30% of such pairs; likewise a day's notes saved while payments
-- came in, and an invoice made while its visit's service changed). And what a transaction read before
-- its turn could be stale by the time it wrote: a service added to a visit at the old price after the
-- price change had committed, a visit booked with a doctor suspended meanwhile.
--
-- The API now opens each write transaction of a clinic's session by taking the clinic's turn
-- (`take_clinic_write_turn`, server/pg-transaction.ts), before anything is read or locked: the API's
-- writes of a clinic go one after another, each seeing the last committed, and two never hold a lock
-- the other waits for. The turn is a lock of its own (an advisory lock of the clinic), which nothing
-- but this function takes: a transaction waits for it holding nothing, so it closes no cycle with the
-- writes that take no turn (a login, the worker's jobs), which lock rows first and the chain last as
-- before. (A review found that the chain head's own lock, taken first, did: a rename racing one's own
-- login on another device, a payment racing the hourly opening of its day.) Reads take no turn.

create or replace function app_hidden.take_clinic_write_turn() returns void
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_clinic uuid;
begin
  -- the clinic of the session claimed, live or not (whether it is, the transaction's own statements
  -- tell, through live_session: an ended one waits its turn, then is refused or logged out); nothing
  -- to wait for without a claim or a clinic
  select s.clinic_id into v_clinic from app_private.session s where s.id = app_public.current_session_id();
  if v_clinic is not null then
    perform pg_advisory_xact_lock(hashtextextended('write_turn:' || v_clinic, 0));
  end if;
end;
$$;
comment on function app_hidden.take_clinic_write_turn() is 'Takes the session''s clinic''s turn to write, until the transaction ends: an advisory lock of the clinic that nothing else takes. The API calls it first in every write transaction of a clinic''s session, so that the API''s writes of a clinic go one after another and none holds a row another waits for while it waits for the audit chain (a deadlock). Nothing for a session of no clinic. A session that has ended takes its turn too: its transaction''s own statements refuse it (live_session), or a logout clears it.';
revoke all on function app_hidden.take_clinic_write_turn() from public;
grant execute on function app_hidden.take_clinic_write_turn() to :DATABASE_VISITOR;
