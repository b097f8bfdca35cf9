--! Previous: sha1:93e1c77e0210c492687f9ed416ba82925764185c
--! Hash: sha1:d0f8813c0174e343cc19e841dde533c4b6760d06
--! Message: Visits from 2000 in the clinic's calendar

-- A visit is booked from 2000 to 2199 in its clinic's calendar, as its message says: the bounds were
-- UTC instants, so New York could book 20:00 on 31 December 1999 and Kolkata not 03:00 on 1 January
-- 2000. A day either side of them keeps what the bounds are for (offsets of whole minutes, 4-digit years).
create or replace function app_private.tg_visit__booked_in_range() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'UPDATE' and new.scheduled_at is not distinct from old.scheduled_at then
    return new; -- named in the update (a whole form sent back), not changed
  end if;
  -- infinity is left to visit_scheduled_at_is_finite's message
  if isfinite(new.scheduled_at)
     and extract(year from app_private.local_date(new.clinic_id, new.scheduled_at)) not between 2000 and 2199 then
    raise exception 'A visit is booked from 2000 to 2199.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__booked_in_range() is 'Trigger: a visit is booked from 2000 to 2199 in its clinic''s calendar (INVALID_INPUT): times whose offset in the clinic''s zone had seconds, or whose year had 5 digits, came back as other instants or not as RFC 3339 times.';
