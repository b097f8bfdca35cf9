--! Previous: sha1:99110af06b39c9e9ad8c884e23e0a8986d7729c0
--! Hash: sha1:5c0e803197175edec2924d7f049d2d45b93a94c0
--! Message: Arabic names are found and flagged however their alef, yeh and vowel marks are typed

-- Arabic names are found and flagged however their alef, yeh and vowel marks are typed
--
-- The search and the duplicate warning compared Arabic script letter for letter: a patient registered as أحمد or
-- إبراهيم (with the hamza on the alef) was not found by احمد or ابراهيم as most people type them, مُحَمَّد (with its
-- vowel marks) not by محمد, يحيى (alef maksura) not by يحيي, فاطمة not by فاطمه, a name typed on a Persian keyboard
-- (ی, ک) not by the same name typed on an Arabic one (ي, ك), and a name stretched with a tatweel (محـمد) by nothing;
-- the duplicate warning did not flag them either, so the front desk registered the patient again. search_key now
-- also folds Arabic script as search engines do (Lucene's Arabic normalisation): without the vowel marks, the
-- superscript alef and the tatweel, every alef with a hamza or madda as a bare alef, the alef maksura and the Persian
-- yeh as yeh, the Persian kaf as kaf and the teh marbuta as heh. The search's copy of the patients with Arabic script
-- in their names is made again, and the index of the names' keys rebuilt, as search_key is immutable.
create or replace function app_hidden.search_key(text text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select translate(regexp_replace(
    public.unaccent('public.unaccent'::regdictionary,
      lower(case when current_setting('server_encoding') = 'UTF8' then normalize(search_key.text, nfc) else search_key.text end)),
    '[\u064B-\u065F\u0670\u0640]', '', 'g'), 'آأإٱىیکة', 'ااااييكه');
$$;
comment on function app_hidden.search_key(text) is 'Text as the patient search and the duplicate warning compare it: in Unicode''s composed form (NFC, on a UTF-8 server), lower case, without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й), and Arabic script without its vowel marks and tatweel, its alef forms as one alef, alef maksura and Persian yeh as yeh, Persian kaf as kaf, teh marbuta as heh (مُحَمَّد is محمد, أحمد احمد, يحيى يحيي, فاطمة فاطمه). Immutable: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade, or a change here) calls for a REINDEX of patient_search_dob_names_idx.';

select app_private.index_patients(array(
  select p from app_public.patient p where p.first_name || p.last_name ~ '[\u0600-\u06FF]'));
reindex index app_private.patient_search_dob_names_idx;
