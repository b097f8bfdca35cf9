--! Previous: sha1:c300b12f28eb94ada1120365bc15781a735b8f0a
--! Hash: sha1:b4314b604134a6400f116ec3f2577373f2c5a9e9
--! Message: visit reasons trimmed dashboard period ends

-- A dashboard asked for without a fromDate or a toDate is told to give both, not that the period is too long.
create or replace function app_public.dashboard(from_date date, to_date date) RETURNS app_public.dashboard
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'on'
    AS $$
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can see the dashboard.' using errcode = 'CFORB';
  end if;
  if from_date is null or to_date is null then
    raise exception 'Give the period: both fromDate and toDate.' using errcode = 'CINVL';
  end if;
  if to_date < from_date or to_date - from_date > 366 then
    raise exception 'Give a period of at most 367 days: fromDate on or before toDate.' using errcode = 'CINVL';
  end if;
  -- deleted services and removed members still name the figures they made (include_deleted is on
  -- in this function's definition)
  return app_private.dashboard_for(app_public.current_clinic_id(), from_date, to_date);
end;
$$;

-- A visit's reason and a cancellation's are kept without the white space around them, and a reason of
-- blanks is none: a reason of spaces had been kept, and a cancellation "   " refused only for being blank.
create or replace function app_hidden.text_or_null(value text) returns text
  language sql immutable parallel safe
as $$
  -- white space of any kind, the no-break and zero-width spaces included
  select nullif(regexp_replace(value, '^[[:space:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+|[[:space:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+$', '', 'g'), '');
$$;
comment on function app_hidden.text_or_null(text) is 'A free text as meant: without the white space of any kind around it, and null when nothing else is left.';

create or replace function app_private.tg_visit__reasons_trimmed() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'INSERT' or new.reason is distinct from old.reason then
    new.reason := app_hidden.text_or_null(new.reason);
  end if;
  if tg_op = 'INSERT' or new.cancel_reason is distinct from old.cancel_reason then
    new.cancel_reason := app_hidden.text_or_null(new.cancel_reason);
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__reasons_trimmed() is 'Trigger: a visit''s reason and cancel reason without the white space around them, blank meaning none; as they are written only.';
drop trigger if exists _140_reasons_trimmed on app_public.visit;
create trigger _140_reasons_trimmed before insert or update of reason, cancel_reason on app_public.visit
  for each row execute function app_private.tg_visit__reasons_trimmed();
