--! Previous: sha1:1f5dea7dc621072df81ca494785d514408fdb6dd
--! Hash: sha1:a715e08c4d225abbfbae200fe52da335ff9a53a9
--! Message: Names and codes pasted or typed in compatibility forms are found and flagged

-- Names and codes pasted or typed in compatibility forms (a PDF's Arabic, full-width, half-width) are found and flagged
--
-- A name copied from a PDF referral letter or an old system comes in Arabic presentation forms (ﻋﻼﺀ for علاء, the
-- lam-alef and Allah ligatures ﻻ and ﷲ among them), a name from an old Japanese system in half-width katakana (ﾀﾅｶ for
-- タナカ), a code typed with a Japanese or Chinese input method in full-width forms (ＰＡＴ－１２): the search found no
-- one by them (a full-width code typed in full came after the patients named after it), and the duplicate warning
-- missed the patient by names and birth date, so the front desk registered them again; a patient registered from
-- such a paste was not found as the name is typed. search_key now reads text in Unicode's compatibility form (NFKC,
-- on a UTF-8 server) before its other folds, as Unicode's own matching does: presentation forms are their letters,
-- half-width and full-width forms, ligatures, superscripts and circled signs their plain characters. A spacing accent
-- typed for an apostrophe (O´Brien), which NFKC reads as a space and an accent, stays no space. The search's copy of
-- the patients with such text in their names, code or phone is made again, and the index of the names' keys rebuilt,
-- as search_key is immutable.
create or replace function app_hidden.search_key(text text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  -- compatibility forms as their plain characters (NFKC), then without the space NFKC puts before the accent of a
  -- spacing accent (´ is a space and an acute), composed again (NFC)
  select translate(regexp_replace(
    public.unaccent('public.unaccent'::regdictionary,
      lower(case when current_setting('server_encoding') = 'UTF8'
        then normalize(regexp_replace(normalize(search_key.text, nfkc), ' ([\u0300-\u036F\u064B-\u065F\u0670\u3099\u309A])', '\1', 'g'), nfc)
        else search_key.text end)),
    '[\u064B-\u065F\u0670\u0640]', '', 'g'), 'آأإٱىیکة', 'ااااييكه');
$$;
comment on function app_hidden.search_key(text) is 'Text as the patient search and the duplicate warning compare it: in Unicode''s compatibility form (NFKC, on a UTF-8 server: Arabic presentation forms as their letters, ﻋﻼﺀ is علاء and ﷲ الله; half-width and full-width forms, ligatures, superscripts and circled signs as their plain characters, ﾀﾅｶ is タナカ, ＰＡＴ－１２ pat-12, ﬁ fi), a spacing accent no space (O´Brien is one word), lower case, without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й), and Arabic script without its vowel marks and tatweel, its alef forms as one alef, alef maksura and Persian yeh as yeh, Persian kaf as kaf, teh marbuta as heh (مُحَمَّد is محمد, أحمد احمد, يحيى يحيي, فاطمة فاطمه). Immutable: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade, whose Unicode tables NFKC also reads, or a change here) calls for a REINDEX of patient_search_dob_names_idx.';

-- the patients whose names, code or phone search_key now reads otherwise: text NFKC changes, or a space before an
-- accent
select app_private.index_patients(array(
  select p from app_public.patient p
  where case when current_setting('server_encoding') = 'UTF8'
    then (p.first_name || ' ' || p.last_name || ' ' || p.search_text) is not nfkc normalized
      or p.search_text ~ ' [\u0300-\u036F\u064B-\u065F\u0670\u3099\u309A]'
    else false end));
reindex index app_private.patient_search_dob_names_idx;
