import { rootPool } from "./database.ts";

/** A phone as typed at a clinic of calling code `code`, and what registration saves from it. */
export interface PhoneTyping {
  code: string;
  typed: string;
  saved: string;
}

/**
 * What registration saves (normalize_phone with the clinic's calling code) from each phone `typedSql` types, a query
 * of `code` and `typed` over `plans` (every numbering plan: `code`, `plan`), leaving out those it refuses: the typings
 * of every country's plan the phone tests read back.
 */
export async function phonesSavedFrom(typedSql: string): Promise<PhoneTyping[]> {
  const client = await rootPool().connect();
  try {
    await client.query(`create function pg_temp.read_phone(typed text, code text) returns text language plpgsql as $$
      begin return app_public.normalize_phone(typed, code); exception when sqlstate 'CINPH' then return null; end $$`);
    const { rows } = await client.query<PhoneTyping>(`
      with plans as (
        select n::text as code, app_hidden.phone_plan(n::text) as plan from generate_series(1, 999) n
        where app_hidden.phone_plan(n::text) is not null),
      typed as (${typedSql})
      select code, typed, saved from (select code, typed, pg_temp.read_phone(typed, code) as saved from typed) t
      where saved is not null order by code, typed`);
    return rows;
  } finally {
    client.release(true); // its temporary function goes with it
  }
}
