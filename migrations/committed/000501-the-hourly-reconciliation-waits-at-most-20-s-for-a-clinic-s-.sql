--! Previous: sha1:76cf9b1d4ab0e62180c393a6311e498d057225e0
--! Hash: sha1:9e3652909cb725b8217659f80f7bf2471ff09dcf
--! Message: The hourly reconciliation waits at most 20 s for a clinic's day or audit log

-- The hourly reconciliation: a clinic's day held for long by another transaction no longer stops the run and the worker
--
-- open_reconciliations waited, with no end, for each clinic's day (its lock, taken exclusively, so that the payments in
-- flight are counted) and for the clinic's audit log (the row of its chain's head). A transaction left open holding
-- either (an operator's close of a day by its status, or an audited fix of one clinic's rows, in psql and not yet
-- committed; an import of a till's cash-ups under way) held the run at that clinic for as long as it lasted: every
-- clinic after it, in the order of their ids, had no day opened, and each hourly run after it waited behind the same
-- lock, so that within two hours the worker's two places for jobs were both taken (no export, audit anchor or session
-- sweep ran, and nothing said why). Each day's transaction now waits at most 20 s for a lock (lock_timeout, local to
-- it), longer than the API's longest transaction (QUERY_TIMEOUT_MS, 15 s): a payment in flight is still waited for and
-- counted, and a day held longer is passed over with a warning naming the clinic, left to the next hourly run.
create or replace procedure app_private.open_reconciliations(in as_of timestamp with time zone default now(), inout opened integer default null::integer)
    language plpgsql
    as $$
declare
  v_clinic uuid;
  v_days date[];
  v_day date;
begin
  opened := 0;
  for v_clinic in select c.id from app_public.clinic c order by c.id loop
    -- one clinic's error (a time zone the server's time-zone data no longer has) is that clinic's alone: warned of,
    -- and the run goes on to the next clinic, whose days it would otherwise never open
    begin
      v_days := array(select d from app_private.days_to_reopen_late(v_clinic, as_of) d) || array[null::date];
    exception when others then
      raise warning 'The business days of clinic % are not opened: % (SQLSTATE %).', v_clinic, sqlerrm, sqlstate;
      continue;
    end;
    -- the late days, earliest first, then (null) the one that ended before as_of
    foreach v_day in array v_days loop
      -- each day's transaction waits for a lock (the day's, the clinic's audit log) at most 20 s: a transaction left
      -- open holding it held the run, and every hourly run after it, for as long as it lasted
      perform pg_catalog.set_config('lock_timeout', '20s', true);
      begin
        if v_day is null then
          opened := opened operator(pg_catalog.+) app_private.open_reconciliation(v_clinic, as_of);
        else
          opened := opened operator(pg_catalog.+) app_private.open_reconciliation_of(v_clinic, v_day);
        end if;
      exception
        when lock_not_available then
          raise warning 'A business day of clinic % is not opened now: another transaction held it, or the clinic''s audit log, for over 20 s (%); the next hourly run opens it.', v_clinic, sqlerrm;
        when others then
          raise warning 'The business days of clinic % are not opened: % (SQLSTATE %).', v_clinic, sqlerrm, sqlstate;
      end;
      commit;
    end loop;
  end loop;
end;
$$;

comment on procedure app_private.open_reconciliations(in as_of timestamp with time zone, inout opened integer) is 'Opens (or refreshes, while open) every clinic''s reconciliation of the business day that ended before `as_of` (open_reconciliation), and of the two days before it that have money and no row yet (days_to_reopen_late: a change of time zone across the date line skips a local date), each day in a transaction of its own: the clinic''s audit chain and day rows are held only while that day is written, and a crash leaves the days done so far done, which a rerun leaves as they are. A clinic whose day fails (a time zone the server''s time-zone data no longer has) is warned of, naming the clinic and the error, and the run goes on to the next clinic (000432); so is one whose day or audit log another transaction holds for over 20 s, each day''s transaction waiting at most that long for a lock. A cancel or a terminated connection ends the run. Called outside a transaction (`call app_private.open_reconciliations(…)`); `opened` is how many rows it wrote. Run by the reconciliation__open task.';

revoke all on procedure app_private.open_reconciliations(in as_of timestamp with time zone, inout opened integer) from public;
