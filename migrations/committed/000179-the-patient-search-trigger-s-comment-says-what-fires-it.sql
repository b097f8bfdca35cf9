--! Previous: sha1:ae2ce4fa05a9bfb06f07cb7548619a7dc21e66ae
--! Hash: sha1:d4232f72cbc0f05e399c061bb0e5ee499f09d9cd
--! Message: the patient search trigger's comment says what fires it

-- The patient search trigger's comment says what fires it.
--
-- tg_patient__search_text's comment named the names, code and phone; its trigger also fires on the
-- date of birth, which patient_search keeps for the duplicate warning's index (a reviewer of the code).

comment on function app_private.tg_patient__search_text() is
  'AFTER INSERT or UPDATE of names, code, phone or date of birth on patients: keeps patient_search (the search''s text, and the names and birth date the duplicate warning looks up).';
