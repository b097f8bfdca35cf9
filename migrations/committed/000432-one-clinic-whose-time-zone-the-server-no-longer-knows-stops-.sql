--! Previous: sha1:45a48085335c81a58a7b6557db241f6575d93be1
--! Hash: sha1:9a572f0bf0a66f689d3668b51f508b0faa38ef47
--! Message: One clinic whose time zone the server no longer knows stops no other clinic's days from opening

-- The hourly reconciliation: a clinic whose days cannot be opened no longer stops every clinic after it
--
-- open_reconciliations walks the clinics in the order of their ids, and one clinic's error ended the whole run: every
-- clinic after it had no day opened, at each of the run's 8 attempts and at every hourly run after, for as long as the
-- cause stayed. Such a cause is one clinic's: a time zone name the server's time-zone data no longer has (tzdata drops
-- names now and then, US/Pacific-New in 2020b; Debian 13 and the official PostgreSQL images built on it moved the old
-- names, US/Eastern, Asia/Calcutta, Europe/Kiev, to a package of their own that is not installed by default), which
-- every `at time zone` of that clinic refuses ("time zone … not recognized"). 000109 passed over a day too large to
-- hold, alone. Each clinic's days are now opened in a block of their own: an error is a warning naming the clinic and
-- the error, that clinic's day is left to a later run, and the run goes on to the next clinic; a cancel (the statement
-- timeout, an operator's pg_cancel_backend) or a terminated connection still ends the run, as before.
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
      begin
        if v_day is null then
          opened := opened operator(pg_catalog.+) app_private.open_reconciliation(v_clinic, as_of);
        else
          opened := opened operator(pg_catalog.+) app_private.open_reconciliation_of(v_clinic, v_day);
        end if;
      exception when others then
        raise warning 'The business days of clinic % are not opened: % (SQLSTATE %).', v_clinic, sqlerrm, sqlstate;
      end;
      commit;
    end loop;
  end loop;
end;
$$;

comment on procedure app_private.open_reconciliations(in as_of timestamp with time zone, inout opened integer) is 'Opens (or refreshes, while open) every clinic''s reconciliation of the business day that ended before `as_of` (open_reconciliation), and of the two days before it that have money and no row yet (days_to_reopen_late: a change of time zone across the date line skips a local date), each day in a transaction of its own: the clinic''s audit chain and day rows are held only while that day is written, and a crash leaves the days done so far done, which a rerun leaves as they are. A clinic whose day fails (a time zone the server''s time-zone data no longer has) is warned of, naming the clinic and the error, and the run goes on to the next clinic (000432); a cancel or a terminated connection ends the run. Called outside a transaction (`call app_private.open_reconciliations(…)`); `opened` is how many rows it wrote. Run by the reconciliation__open task.';

revoke all on procedure app_private.open_reconciliations(in as_of timestamp with time zone, inout opened integer) from public;
