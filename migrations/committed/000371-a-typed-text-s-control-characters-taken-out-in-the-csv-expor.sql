--! Previous: sha1:af396f64751cd61a32ac5c84c2d9ed27e192040e
--! Hash: sha1:f46aa4d248e8981ee5a97c903ec7950bb3c4d7dd
--! Message: A typed text's control characters taken out in the CSV exports

-- A typed text's control characters and direction overrides taken out in the CSV exports
--
-- A payment's reference, a patient's address, a visit's or cancel reason and an invoice's void reason keep what was
-- typed, control characters included (names lose them since 000156): a reference typed with an escape sequence
-- (ESC "[31m") was written to the payments CSV as it was, and coloured, moved or cleared a terminal that showed the
-- file, and a right-to-left override reversed the rest of its line there. `csv_safe` now takes out, before it
-- defuses formulas, the C0 controls but the tab, line feed and carriage return, DEL, the C1 controls and the
-- bidirectional embeddings, overrides and isolates, as `name_as_meant` does for names; so a formula behind an
-- escape ("\x1b=cmd…") is defused too. The rows keep the text as typed.
create or replace function app_private.csv_safe(value text) returns text
language sql immutable as $$
  select regexp_replace(
    regexp_replace(
      regexp_replace(
        regexp_replace(value, '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]', '', 'g'),
        '^([=+\-@\t\r\n])', '''\1'),
      '([;\t])(?=[=+\-@\t\r\n])', '\1''', 'g'),
    '([\r\n])([=+\-@\t])', '\1''\2', 'g');
$$;
comment on function app_private.csv_safe(text) is 'Makes a typed text safe in a CSV cell: takes out control characters but the tab, line feed and carriage return (an escape sequence coloured or cleared a terminal showing the file), DEL, C1 controls and bidirectional embeddings, overrides and isolates; then defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe, and so does what follows a `;` or a tab starting with one of them (where `;` or a tab separates cells, a cell starts there), and a line starting with = + - @ or a tab after a carriage return or line feed (where `;` separates cells, a quote is text and a line break starts a row).';
