/**
 * A clinic's time zone, as `clinic_timezone_check` checks it on every write of a clinic's row (any column) and
 * create_clinic_with_owner before it: `is_valid_timezone` answers as the rule of 000158 did for every name, without
 * reading PostgreSQL's whole list of zones, which read every zone file in the tz directory at each call (1,800 reads,
 * 2.5 MB, some 30 ms) for a name change, a phone correction, each clinic of an import (000486).
 */
import type pg from "pg";
import { apiPool, closeRootPool, rootPool } from "../support/database.ts";
import { beginAs } from "../support/fixtures.ts";

afterAll(closeRootPool);

/** 000158's rule, word for word, over a list of names: read once for the whole list (a semi-join, not 30 ms a name). */
const RULE_OF_000158 = `
  select n as name, n !~ '^posix/'
    and n not in ('Factory', 'localtime', 'posixrules')
    and (n in ('UTC', 'UCT', 'GMT')
         or not exists (select 1 from pg_catalog.pg_timezone_abbrevs a where a.abbrev = n))
    and exists (select 1 from pg_catalog.pg_timezone_names t where t.name = n) as valid
  from unnest($1::text[]) with ordinality u(n, i) order by i`;

/** Every file and directory under the tz directory this server reads (its own share/timezone, or the system's). */
const TZ_DIRECTORY_ENTRIES = `
  with recursive tz_dir(path) as (
    select coalesce(substring(c.setting from '--with-system-tzdata=([^'' ]+)'), s.setting || '/timezone')
    from pg_catalog.pg_config c, pg_catalog.pg_config s where c.name = 'CONFIGURE' and s.name = 'SHAREDIR'
  ), entry(name, depth) as (
    select f, 1 from tz_dir, pg_catalog.pg_ls_dir(tz_dir.path) f
    union all
    select e.name || '/' || f, e.depth + 1
    from entry e, tz_dir, pg_catalog.pg_ls_dir(tz_dir.path || '/' || e.name) f
    where e.depth < 6 and (pg_catalog.pg_stat_file(tz_dir.path || '/' || e.name)).isdir
  )
  select name from entry`;

/** Reads and bytes read by the connection's server process so far (Linux: /proc/self/io of the backend). */
async function readsSoFar(client: pg.ClientBase): Promise<{ calls: number; bytes: number }> {
  const { rows } = await client.query("select pg_catalog.pg_read_file('/proc/self/io') as io");
  const io = Object.fromEntries((rows[0].io as string).trim().split("\n").map((line) => line.split(": ")));
  return { calls: Number(io.syscr), bytes: Number(io.rchar) };
}

test("a time zone is valid exactly when 000158's rule says so, for every name PostgreSQL lists, every file of its tz directory and names around them", async () => {
  const listed = (await rootPool().query("select name from pg_catalog.pg_timezone_names")).rows.map((r) => r.name as string);
  const files = (await rootPool().query(TZ_DIRECTORY_ENTRIES)).rows.map((r) => r.name as string);
  const abbreviations = (await rootPool().query("select abbrev from pg_catalog.pg_timezone_abbrevs")).rows.map((r) => r.abbrev as string);
  expect(files).toEqual(expect.arrayContaining(["Africa/Nairobi", "Africa", "Etc/GMT+3"]));
  const around = [
    ...["posix/Africa/Nairobi", "posix/UTC", "posix/EST5EDT", "right/Africa/Nairobi", "right/UTC", "RIGHT/UTC", "Right/Africa/Nairobi", "POSIX/Africa/Nairobi", "Factory", "localtime", "posixrules"],
    // POSIX rules PostgreSQL reads as a zone (in capitals, a digit in each), beside zones of the list spelled alike
    ...["UTC+3", "UTC-3", "<+03>-3", "<-03>+3", "EAT-3", "EST5EDT", "CST6CDT", "GMT0", "GMT+0", "GMT-0", "GMT+3", "Etc/GMT+3", "ETC/GMT+3", "etc/gmt+3", "est5edt", "EST5EDT,M3.2.0,M11.1.0"],
    // offsets SET TimeZone takes as numbers or intervals
    ...["3", "-3", "+03:00", "0", "3.5", "1e1", "inf", "nan", "interval '+03:00' hour to minute", "INTERVAL"],
    // SET TimeZone's SQL-standard INTERVAL '…' form without a digit, whose text PostgreSQL reads as an interval: one it
    // cannot read raised invalid_datetime_format (22007) out of the check instead of false (000489)
    ...["interval 'x'", "interval ''", "INTERVAL 'infinity'", "Interval 'hour'", "interval '@ ago'", "interval 'PT'", "interval '.'", "interval '''"],
    // names in another case, with spaces or paths around them
    ...["africa/dar_es_salaam", "AFRICA/DAR_ES_SALAAM", "Africa/dar_es_salaam", "utc", "Utc", "gmt", "zulu", "ZULU", "Etc/utc", "factory", "LOCALTIME", "Posix/Africa/Nairobi"],
    ...[" Africa/Nairobi", "Africa/Nairobi ", "Africa/ Nairobi", "Africa /Nairobi", "Africa//Nairobi", "/Africa/Nairobi", "Africa/Nairobi/", ":Africa/Nairobi", "./Africa/Nairobi", "Africa/../Africa/Nairobi", "../zoneinfo/UTC", "/usr/share/zoneinfo/UTC", "UTC ", " UTC", "U TC", "UTC\t", "UTC\n"],
    ...["", " ", "/", ".", "..", "Africa", "America/Argentina", "Mars/Base", "DEFAULT", "local", "Africa/Nairobi\u00e9", "Ζ", "UTC".repeat(100), "A".repeat(300)],
    // the abbreviations of the list (EAT, CET…), in other cases, and UTC, UCT, GMT of both
    ...abbreviations.flatMap((a) => [a, a.toLowerCase()]),
  ];
  // the copies under posix/ and right/ (1,200 files), which the whole list answers as the rule did (30 ms a name), sampled
  const copy = /^(posix|right)\//i;
  const sample = (all: string[]) => [...all.filter((n) => !copy.test(n)), ...all.filter((n) => copy.test(n)).sort().filter((_, i) => i % 40 === 0)];
  const names = [...new Set([...sample(listed), ...sample(files), ...around, ...sample(files.map((f) => f.toUpperCase())), ...sample(listed.map((l) => l.toLowerCase()))])];
  const expected = (await rootPool().query(RULE_OF_000158, [names])).rows;
  // as the API's role asks it (isValidTimezone, clinic_timezone_check under its writes), in a session of its own
  const client = await apiPool().connect();
  try {
    await beginAs(client, null);
    const answered = (await client.query("select n as name, app_public.is_valid_timezone(n) as valid from unnest($1::text[]) with ordinality u(n, i) order by i", [names])).rows;
    expect(answered.filter((row, i) => row.valid !== expected[i].valid)).toEqual([]);
    expect(answered.length).toBe(names.length);
    // and null, for which the rule said false (no zone is named null)
    expect((await client.query("select app_public.is_valid_timezone(null) as valid")).rows).toEqual([{ valid: false }]);
  } finally {
    await client.query("rollback");
    client.release();
  }
  expect(expected.filter((row) => row.valid).length).toBeGreaterThan(500);
  expect(Object.fromEntries(expected.filter((row) => ["Africa/Nairobi", "UTC", "GMT", "EST5EDT", "Etc/GMT+3", "UTC+3", "CET", "africa/nairobi"].includes(row.name)).map((row) => [row.name, row.valid]))).toEqual({
    "Africa/Nairobi": true,
    UTC: true,
    GMT: true,
    EST5EDT: true,
    "Etc/GMT+3": true,
    "UTC+3": false,
    CET: false,
    "africa/nairobi": false,
  });
});

test("the check leaves the session's time zone as it was, set for the session, for the transaction or refused", async () => {
  const client = await rootPool().connect();
  try {
    await client.query("set timezone = 'America/Lima'");
    await client.query("begin");
    const zone = async () => (await client.query("select current_setting('TimeZone') as zone, now()::text like '%-05' as in_lima")).rows[0];
    expect((await client.query("select app_public.is_valid_timezone('Asia/Tokyo') as a, app_public.is_valid_timezone('Mars/Base') as b, app_public.is_valid_timezone('right/UTC') as c")).rows).toEqual([{ a: true, b: false, c: false }]);
    expect(await zone()).toEqual({ zone: "America/Lima", in_lima: true });
    await client.query("set local timezone = 'Asia/Kolkata'");
    expect((await client.query("select app_public.is_valid_timezone(n) as valid from unnest(array['Europe/Paris', 'UTC+3', '']) n")).rows).toEqual([{ valid: true }, { valid: false }, { valid: false }]);
    expect((await client.query("select current_setting('TimeZone') as zone")).rows).toEqual([{ zone: "Asia/Kolkata" }]);
    await client.query("commit");
    expect(await zone()).toEqual({ zone: "America/Lima", in_lima: true });
  } finally {
    await client.query("rollback").catch(() => undefined);
    await client.query("reset timezone");
    client.release();
  }
});

test("a clinic given a time zone written as an interval PostgreSQL cannot read is refused by the check, as any name of no zone (000489)", async () => {
  const client = await rootPool().connect();
  try {
    await client.query("begin");
    await expect(client.query("insert into app_public.clinic (name, timezone, currency) values ('Interval clinic', 'interval ''soon''', 'KES')"))
      .rejects.toThrow(/violates check constraint "clinic_timezone_check"/);
  } finally {
    await client.query("rollback");
    client.release();
  }
});

test("writing clinics reads no time zone files but the zone's own: a new clinic, a name changed, a phone corrected", async () => {
  // the server process's own reads (Linux): the check read every file of the tz directory at each row, some 1,800
  // reads and 2.5 MB a clinic written, whatever changed; the zone's file is read once a connection now, and what is
  // left is the tables' pages not in shared buffers (8 kB a read; other databases of the server share the buffers)
  const client = await rootPool().connect();
  try {
    await client.query("begin");
    const writeClinics = async (count: number) => {
      const { rows } = await client.query(
        "insert into app_public.clinic (name, timezone, currency) select 'Read clinic ' || g, 'Africa/Nairobi', 'KES' from generate_series(1, $1::int) g returning id",
        [count],
      );
      await client.query("update app_public.clinic set name = name || ' renamed' where id = any($1)", [rows.map((r) => r.id)]);
      await client.query("update app_public.clinic set phone = '+254712345678' where id = any($1)", [rows.map((r) => r.id)]);
    };
    await writeClinics(1); // the zone's file, the abbreviations' zones, the triggers' code and the tables' pages read once
    const before = await readsSoFar(client);
    await writeClinics(20);
    const after = await readsSoFar(client);
    // 60 rows written: fewer than 50 reads and 400 kB a row (the check alone read 108,000 times and 150 MB); about 10
    // reads a row on a quiet server, and up to 12 measured (693 in all) while the suite and other databases shared its
    // buffers, each page of the tables missed one more read
    expect(after.calls - before.calls).toBeLessThan(3_000);
    expect(after.bytes - before.bytes).toBeLessThan(25_000_000);
  } finally {
    await client.query("rollback");
    client.release();
  }
});
