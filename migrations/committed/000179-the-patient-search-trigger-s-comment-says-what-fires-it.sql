--! Previous: sha1:9195d688fba0b8b1be037701425c8f8527b3cbfe
--! Hash: sha1:a0cdf0f4e7b2b357ad1816a371d3d17481b4d710
--! Message: the patient search trigger's comment says what fires it

-- The patient search trigger's comment says what fires it.
--
-- tg_patient__search_text's comment named the names, code and phone; its trigger also fires on the
-- date of birth, which patient_search keeps for the duplicate warning's index (a reviewer of the code).

comment on function app_private.tg_patient__search_text() is
  'AFTER INSERT or UPDATE of names, code, phone or date of birth on patients: keeps patient_search (the search''s text, and the names and birth date the duplicate warning looks up).';
