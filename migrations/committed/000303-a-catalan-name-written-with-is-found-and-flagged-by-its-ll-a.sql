--! Previous: sha1:8fc1d6568cd096a6f843ae4d6cc999ffaa5d2875
--! Hash: sha1:b656c1eb214c5344d7fb2cba81a14c7caecbfc46
--! Message: A Catalan name written with ŀ is found and flagged by its ll again

-- A Catalan name written with ŀ (Marceŀla) is found and flagged by its ll again, and one written with l·l too
--
-- Catalan writes its geminate l with a middle dot: Marcel·la, Sibil·la, or, from older systems and keyboards, with the
-- one letter ŀ (Marceŀla). The search and the duplicate warning read ŀ as l until the compatibility forms (000297): NFKC
-- reads it as l and a middle dot (·), which search_key keeps, so a patient registered as Marceŀla was no longer found
-- by marcella (nor by Marcella Puig), and Marcella Puig registered on her birth date was not flagged against her:
-- the front desk registered her again. The middle dot is now one of the dots people type in a name or leave out of it
-- (name_unpunctuated, with the apostrophes and hyphens): Marceŀla and Marcel·la are found by marcella as by marcel·la,
-- and flagged against Marcella; the search's copy of the patients with a middle dot (or ŀ) in their names is made
-- again, and the index of the names' keys rebuilt, as name_unpunctuated is immutable.
create or replace function app_hidden.name_unpunctuated(name text) returns text
  language sql immutable strict parallel safe
  set search_path to pg_catalog, public, pg_temp
as $$
  select regexp_replace(name_unpunctuated.name, '[.''’‘ʼ`´′·‐‑‒–—―−-]+', '', 'g');
$$;
comment on function app_hidden.name_unpunctuated(name text) is 'A name (or a word of a search) without the hyphens and dashes, apostrophes (straight, curly, the modifier letter) and dots (the full stop, and the middle dot of Catalan''s l·l, which is also what search_key reads ŀ as) people type in a name or leave out of it: Mary-Jane O''Brien and MaryJane OBrien are MaryJane OBrien, Marcel·la and Marceŀla Marcella. For name_key and the patient search.';
revoke all on function app_hidden.name_unpunctuated(name text) from public;
grant execute on function app_hidden.name_unpunctuated(name text) to :DATABASE_VISITOR;

-- the patients whose names have a middle dot as search_key reads them: · itself, the Greek ano teleia (· in NFC) and
-- ŀ Ŀ (l· in NFKC)
select app_private.index_patients(array(
  select p from app_public.patient p where p.first_name || ' ' || p.last_name ~ '[\u00b7\u0387\u0140\u013f]'));
reindex index app_private.patient_search_dob_names_idx;
