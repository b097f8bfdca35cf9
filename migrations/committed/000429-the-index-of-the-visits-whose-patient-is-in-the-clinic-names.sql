--! Previous: sha1:2cc2e7d6d878f192906ea71169cf1b60428be0a2
--! Hash: sha1:bf6a719237a784a957ddfca54f2abb57ce195b51
--! Message: The index of the visits whose patient is in the clinic names its migration

-- The index of the visits whose patient is in the clinic names its migration
--
-- visit_in_the_clinic_idx's comment, which the schema's readers see (psql's \di+, an analyst's SQL tool), named 000425
-- and, for the migration that made the index, the placeholder of a number never filled in, as 000265's once was
-- (000283). It now names 000428; nothing else of it changes.
comment on index app_public.visit_in_the_clinic_idx is 'A clinic''s visits whose patient is in the clinic now, checked in or with their doctor, in the order they arrived: the waiting room (`status: checked_in`) and the visits under way (`status: in_progress`), each a constant the API writes into its statement (000425, 000428), a few rows per clinic whatever its history.';
