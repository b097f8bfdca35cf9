--! Previous: sha1:b897c3af8ff1e3ffef90fddb8a1e2a59b6e942d8
--! Hash: sha1:d92b4d7deef3e1f43926ff0223824c72ade8d0a4
--! Message: A name is one name to the search, the duplicate warning and an owner's clinics, whatever prints nothing inside it

-- A name is one name to the search, the duplicate warning and an owner's clinics, whatever prints nothing inside it
--
-- Persian writes a compound name with a half-space (ZWNJ, U+200C), a space or neither (محمد‌علی, محمد علی, محمدعلی), and
-- a name pasted from a web page or a PDF may carry a zero-width space or joiner, a variation selector or an invisible
-- operator inside a word (Jo<U+200B>hn). search_key, which the search and name_key read text by, kept them: محمد‌علی was
-- not محمدعلی, Jo<U+200B>hn not John, though nothing of the difference prints, so the patient was not found as typed
-- the other way, a patient registered again so was not flagged as a duplicate (name_key, 000093), and an owner was given
-- two clinics of names that read alike (clinic_name_key, 000419). search_key now reads text without every character
-- Unicode marks as printing nothing (Default_Ignorable_Code_Point), the list name_as_meant reads "nothing visible" by
-- (000413, 000415), which both now take from one function, printing_nothing_out. A name as saved and shown is unchanged.
create or replace function app_hidden.printing_nothing_out(text text) returns text
language sql immutable parallel safe as $$
  select regexp_replace(printing_nothing_out.text,
    '[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]',
    '', 'g');
$$;
revoke all on function app_hidden.printing_nothing_out(text) from public;
grant all on function app_hidden.printing_nothing_out(text) to :DATABASE_VISITOR;
comment on function app_hidden.printing_nothing_out(text text) is
  'Text without every character Unicode marks as printing nothing (Default_Ignorable_Code_Point: the soft hyphen, the combining grapheme joiner, zero-width spaces, joiners and non-joiners, direction marks and controls, word joiners and invisible operators, Hangul fillers, variation selectors, the Mongolian vowel separator and free variation selectors, Khmer''s inherent vowels, tags, U+FFF0-U+FFF8). For name_as_meant''s "nothing visible" and search_key (so the search, name_key and clinic_name_key).';

create or replace function app_hidden.name_as_meant(name text) returns text
    language plpgsql immutable parallel safe
    as $$
declare
  -- out wherever they are: bidirectional controls, word joiners, byte order marks, soft hyphens, and
  -- the control characters that are not white space (a bell, an escape, a backspace, C1's but NEL)
  v_name text := regexp_replace(name, '[\u202a-\u202e\u2066-\u2069\u2060\ufeff\u00ad\u0001-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]', '', 'g');
begin
  -- white space of any kind: one space
  -- (a next-line control, NEL, Hangul fillers and the blank Braille pattern among them)
  v_name := regexp_replace(v_name, '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0085\u115f\u1160\u3164\uffa0\u2800]+', ' ', 'g');
  -- zero-width spaces and joiners next to a space: out
  v_name := regexp_replace(v_name, ' [\u200b-\u200d]+|[\u200b-\u200d]+ ', ' ', 'g');
  v_name := regexp_replace(v_name, ' {2,}', ' ', 'g');
  -- the ends: spaces, zero-width spaces and direction marks; joiners at the start only
  v_name := regexp_replace(v_name, '^[ \u200b-\u200f\u061c]+|[ \u200b\u200e\u200f\u061c]+$', '', 'g');
  -- nothing visible, a missing name: nothing left once the spaces and every character Unicode marks as printing
  -- nothing (Default_Ignorable_Code_Point: printing_nothing_out) are out
  if replace(app_hidden.printing_nothing_out(v_name), ' ', '') = '' then
    v_name := '';
  end if;
  return case when current_setting('server_encoding') = 'UTF8' then normalize(v_name, nfc) else v_name end;
end;
$$;
revoke all on function app_hidden.name_as_meant(name text) from public;
grant all on function app_hidden.name_as_meant(name text) to :DATABASE_VISITOR;
comment on function app_hidden.name_as_meant(name text) is
  'A person''s name as it is meant: bidirectional controls, word joiners, byte order marks, soft hyphens and control characters out; white space of any kind (Hangul fillers and the blank Braille pattern too) one space, with no zero-width space or joiner next to it; no spaces, zero-width spaces or direction marks at the ends, nor a joiner at the start; nothing visible is an empty name: nothing left once the spaces and every character Unicode marks as printing nothing (Default_Ignorable_Code_Point, printing_nothing_out: zero-width characters, joiners, fillers, invisible operators, variation selectors, tags) are out, the one rule of "nothing visible" (000413''s list, the invoice line''s too); in Unicode''s composed form (NFC) on a UTF-8 server.';

create or replace function app_hidden.search_key(text text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  -- without the characters that print nothing (printing_nothing_out: Persian's half-space, zero-width spaces and joiners,
  -- variation selectors…), then compatibility forms as their plain characters (NFKC), then without the space NFKC puts
  -- before the accent of a spacing accent (´ is a space and an acute), composed again (NFC); Greek's final sigma as the
  -- sigma Σ lowercases to
  select translate(regexp_replace(
    public.unaccent('public.unaccent'::regdictionary,
      lower(case when current_setting('server_encoding') = 'UTF8'
        then normalize(regexp_replace(normalize(app_hidden.printing_nothing_out(search_key.text), nfkc), ' ([\u0300-\u036F\u064B-\u065F\u0670\u3099\u309A])', '\1', 'g'), nfc)
        else search_key.text end)),
    '[\u064B-\u065F\u0670\u0640]', '', 'g'), 'آأإٱىیکةς', 'ااااييكهσ');
$$;
revoke all on function app_hidden.search_key(text) from public;
grant all on function app_hidden.search_key(text) to :DATABASE_VISITOR;
comment on function app_hidden.search_key(text) is 'Text as the patient search and the duplicate warning compare it: without the characters that print nothing (printing_nothing_out, on a UTF-8 server: محمد‌علی written with Persian''s half-space, ZWNJ, is محمدعلی, and a name pasted with a zero-width space or a variation selector inside it is the name), in Unicode''s compatibility form (NFKC, on a UTF-8 server: Arabic presentation forms as their letters, ﻋﻼﺀ is علاء and ﷲ الله; half-width and full-width forms, ligatures, superscripts and circled signs as their plain characters, ﾀﾅｶ is タナカ, ＰＡＴ－１２ pat-12, ﬁ fi), a spacing accent no space (O´Brien is one word), lower case, without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й), Greek''s final sigma as σ (ΝΙΚΟΣ, Νίκος and νικοσ are νικοσ, whichever way the collation lowercases a final Σ), and Arabic script without its vowel marks and tatweel, its alef forms as one alef, alef maksura and Persian yeh as yeh, Persian kaf as kaf, teh marbuta as heh (مُحَمَّد is محمد, أحمد احمد, يحيى يحيي, فاطمة فاطمه). Immutable: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade, whose Unicode tables NFKC also reads, or a change here) calls for a REINDEX of patient_search_dob_names_idx.';

-- the search's copy of the patients whose names or code have such a character made again, and the index of the names'
-- keys rebuilt where one does (one saved before 000081 may have any of them), as search_key is immutable
do $$
begin
  if exists (select from app_public.patient p
             where app_hidden.printing_nothing_out(p.first_name || p.last_name || p.code) <> p.first_name || p.last_name || p.code) then
    perform app_private.index_patients(array(
      select p from app_public.patient p
      where app_hidden.printing_nothing_out(p.first_name || p.last_name || p.code) <> p.first_name || p.last_name || p.code));
    reindex index app_private.patient_search_dob_names_idx;
  end if;
end;
$$;
comment on function app_private.clinic_name_key(text) is 'A clinic''s name as two names are compared (create_clinic_with_owner, tg_clinic__name_not_an_owners_other): as the duplicate warning compares a person''s name (app_hidden.name_key: as meant, name_as_meant, then without the characters that print nothing inside it, case, accents, Greek''s final sigma''s form, white space, hyphens, apostrophes and dots), so ΚΛΙΝΙΚΗ ΝΙΚΟΣ is Κλινική Νίκος, ST MARY''S CLINIQUE JOSÉ is St Marys Clinique Jose, and a name with a half-space (ZWNJ) or a zero-width space inside it the name without.';
