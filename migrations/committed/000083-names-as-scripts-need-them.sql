--! Previous: sha1:6a092d6a35a79545860b08fd1633dde0493cbe71
--! Hash: sha1:134936a268644d84f495b4fe692f48f37071f233
--! Message: names as scripts need them

-- From a review of 000082: names as meant, without breaking what some scripts need.
--
-- Bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069) are taken out wherever
-- they are: 000082 took a closing one off the end and left its opener inside, which reversed whatever
-- an export printed after the name. Word joiners, byte order marks and soft hyphens are taken out too,
-- not made spaces ("Jean<WJ>Luc" is Jean-Luc written together, not "Jean Luc"). A zero-width space
-- stays inside a name (Khmer, Thai, Lao and Myanmar names use it as a line-break hint) but not next to
-- a space, nor a joiner (ZWJ, ZWNJ) next to a space. The ends lose spaces, zero-width spaces and
-- direction marks (LRM, RLM, the Arabic letter mark), and a joiner only at the start: a Malayalam name
-- may end in a consonant, a virama and ZWJ (its chillu letter). A name of nothing but such characters
-- is a missing name.

create or replace function app_hidden.name_as_meant(name text) returns text
    language plpgsql immutable parallel safe
    as $$
declare
  -- out wherever they are: bidirectional controls, word joiners, byte order marks, soft hyphens
  v_name text := regexp_replace(name, '[\u202a-\u202e\u2066-\u2069\u2060\ufeff\u00ad]', '', 'g');
begin
  -- white space of any kind: one space
  v_name := regexp_replace(v_name, '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+', ' ', 'g');
  -- zero-width spaces and joiners next to a space: out
  v_name := regexp_replace(v_name, ' [\u200b-\u200d]+|[\u200b-\u200d]+ ', ' ', 'g');
  v_name := regexp_replace(v_name, ' {2,}', ' ', 'g');
  -- the ends: spaces, zero-width spaces and direction marks; joiners at the start only
  v_name := regexp_replace(v_name, '^[ \u200b-\u200f\u061c]+|[ \u200b\u200e\u200f\u061c]+$', '', 'g');
  if regexp_replace(v_name, '[ \u200b-\u200f\u061c]', '', 'g') = '' then
    v_name := ''; -- nothing visible: a missing name
  end if;
  return case when current_setting('server_encoding') = 'UTF8' then normalize(v_name, nfc) else v_name end;
end;
$$;
comment on function app_hidden.name_as_meant(name text) is
  'A person''s name as it is meant: bidirectional controls, word joiners, byte order marks and soft hyphens out; white space of any kind one space, with no zero-width space or joiner next to it; no spaces, zero-width spaces or direction marks at the ends, nor a joiner at the start; nothing visible is an empty name; in Unicode''s composed form (NFC) on a UTF-8 server.';

comment on function app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) is
  'Locks a setting of a clinic until the end of the transaction: exclusive for a change of it, shared for what must see it unchanged (the currency for a new invoice, the time zone for a close of a day). Take it before any audited write of the transaction: a change of the setting waits for it holding the clinic''s audit chain head.';
