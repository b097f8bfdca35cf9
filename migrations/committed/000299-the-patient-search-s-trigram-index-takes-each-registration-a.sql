--! Previous: sha1:42a44e1ce355ccbb29522e4de07d4bbc6b08b915
--! Hash: sha1:e0f13f3889fe5ce5ecb8b48557f2451c30e10665
--! Message: The patient search's trigram index takes each registration at once, with no pending list

-- The patient search's trigram index takes each registration at once, with no pending list for every search to read
--
-- The trigram index of the patient search (patient_search_trigram_idx) is a GIN index, and GIN indexes by default
-- put new entries in a pending list (up to gin_pending_list_limit, 4 MB: some 4,000 registrations or renamings, in
-- any clinic of the database) that only a vacuum or a full list merges. Every search read that whole unsorted list,
-- and PostgreSQL priced it into every plan of the index: after a day of registrations a large clinic's search read
-- all its patients (a sequential scan) instead of the index, 17 to 44 ms instead of 4 to 8 ms on 22,000 patients.
-- Now the index takes each new entry into its tree at once (fastupdate off: about 1 ms more per registration), and
-- the entries already pending are merged here once.
alter index app_private.patient_search_trigram_idx set (fastupdate = off);
select gin_clean_pending_list('app_private.patient_search_trigram_idx'::regclass);
comment on index app_private.patient_search_trigram_idx is 'The patient search''s index (patients_matching): the trigrams of each patient''s search_text, per clinic (btree_gin on clinic_id). Without a pending list (fastupdate off): each registration or renaming enters the index at once, so no search reads, nor is planned around, a list of entries not yet merged.';
