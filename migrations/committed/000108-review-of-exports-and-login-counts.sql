--! Previous: sha1:9720507217bd9f03707ce9e58a33b1549a9edede
--! Hash: sha1:79b5c07e1d2eb7e3ee741ba4a8f0c5000309ac32
--! Message: review of exports and login counts

--------------------------------------------------------------------------------
-- After a review of 000106 and 000107.
--
-- - The server listens on IPv6 too, where an IPv4 client's address is IPv4-mapped (::ffff:a.b.c.d):
--   000107 took that for an IPv6 network, so every IPv4 client shared one count, ::/64, and 20 wrong
--   passwords from anyone refused every IPv4 login for 15 minutes. A mapped (or NAT64) address is
--   counted as the IPv4 address it carries.
-- - 000106's check of an export's days, not valid for the rows before it, still checked them at every
--   update: an export asked for before with a day before 2000 failed the hourly expiry's update (its
--   file deleted, the exports after it left unexpired, their files kept on disk) and the sweep of
--   abandoned exports. The days are checked when an export is asked for, at insert only.
-- - A cell whose text holds `;` and then a formula's first character was one column of a spreadsheet
--   whose list separator is `;` only in first place: quotes open a cell there only at its start, so a
--   later cell split at the `;` and the formula ran. Such a `;` is followed by an apostrophe.

create or replace function app_hidden.throttled_network(ip inet) returns inet
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select case
    when family(ip) = 4 then ip
    -- IPv4-mapped (::ffff:a.b.c.d, how a server listening on IPv6 sees IPv4 clients) and NAT64 (64:ff9b::/96)
    -- addresses carry an IPv4 client's address: counted as that address
    when ip <<= inet '::ffff:0:0/96' or ip <<= inet '64:ff9b::/96' then set_masklen(ip, 128)
    else network(set_masklen(ip, 64))
  end;
$$;
comment on function app_hidden.throttled_network(inet) is 'What failed logins are counted by: an IPv4 address (also one IPv4-mapped or NAT64 in IPv6, as a server listening on IPv6 sees IPv4 clients), or the /64 network of an IPv6 one (a client chooses its address within the /64 it is given).';

alter table app_public.report_export drop constraint if exists report_export_days_check;
create or replace function app_private.tg_report_export__days() returns trigger
language plpgsql set search_path to pg_catalog, public, pg_temp as $$
begin
  if new.from_date < date '2000-01-01' or new.to_date > date '2199-12-31' then
    raise exception 'An export covers days from 2000-01-01 to 2199-12-31.' using errcode = 'CINVL';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_report_export__days() is 'Trigger: an export asked for covers days from 2000-01-01 to 2199-12-31, the calendar the clinic''s days and visits live in (INVALID_INPUT); exports asked for before 000106 are left as they are.';
drop trigger if exists _150_days on app_public.report_export;
create trigger _150_days before insert on app_public.report_export for each row execute function app_private.tg_report_export__days();

create or replace function app_private.csv_safe(value text) returns text
language sql immutable as $$
  select regexp_replace(case when value ~ '^[=+\-@\t\r\n]' then '''' || value else value end, ';([=+\-@\t\r\n])', ';''\1', 'g');
$$;
comment on function app_private.csv_safe(text) is 'Defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe, and so does what follows a `;` starting with one of them (where `;` separates cells, a cell starts there).';
