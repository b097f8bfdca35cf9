--! Previous: sha1:d3d729d241992f5ec491c45514a9f84bfd9ecd2a
--! Hash: sha1:9a887effe5da6c4e70dc393b4751a4c9f2fbfa9c
--! Message: exports after exploratory test

--------------------------------------------------------------------------------
-- Exports, after an exploratory test.
--
-- - A cell starting with a line feed was not defused like one starting with a carriage return; a
--   spreadsheet may take what follows as a formula.
-- - requestExport took any date PostgreSQL reads: a monthly summary of the year 294276 was queued and
--   failed three times ("timestamp out of range"), and a period of 4000 BC was shown as 4000 AD. An
--   export covers days from 2000-01-01 to 2199-12-31, the calendar the clinic's days and visits live
--   in (000069, 000077). Exports asked for before are left as they are (not valid for them).

create or replace function app_private.csv_safe(value text) returns text
language sql immutable as $$
  select case when value ~ '^[=+\-@\t\r\n]' then '''' || value else value end;
$$;
comment on function app_private.csv_safe(text) is 'Defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe.';

alter table app_public.report_export drop constraint if exists report_export_days_check;
alter table app_public.report_export add constraint report_export_days_check
  check (from_date >= date '2000-01-01' and to_date <= date '2199-12-31') not valid;
comment on constraint report_export_days_check on app_public.report_export is 'An export covers days from 2000-01-01 to 2199-12-31 (checked for exports asked for since 000106).';
