--! Previous: sha1:62033af8b58e3de354fbe1fdb2ab714de9a40724
--! Hash: sha1:d4689e0dbbfa10955454bee0e2a8df45b9d3e00e
--! Message: A formula after a single quote where a spreadsheet may start a cell is defused in CSVs

-- A formula after a quote at a cell's start defused in the CSVs
--
-- Where `;` (a spreadsheet whose list separator it is), a tab (Excel's text import, LibreOffice's default) or a line
-- break (such a spreadsheet, to which the commas' quotes are text) starts a cell, the spreadsheet opens a quote at that
-- cell's start, reads a doubled quote as one, and keeps what follows its closing quote in the cell (Excel's way, and
-- Python's csv module's). csv_safe defused a formula right after the `;`, tab or line break, but not one after a single
-- quote there: a reason typed `Fever;"=cmd|' /C calc'!A0;` is written `"Fever;""=cmd|' /C calc'!A0;"`, and the cell
-- after the `;`, `""=cmd|' /C calc'!A0`, opens a quote, closes it at once and reads `=cmd|' /C calc'!A0`, a formula.
-- The apostrophe now goes before such a quote too (`Fever;'"=cmd…`): the cell starts with it, opens no quote, and is
-- text. Two quotes or more there read as a quote first, and a text starting with a quote is quoted whole by the CSV
-- writer (its quote doubled), so neither is a formula and neither changes.
create or replace function app_private.csv_safe(value text) returns text
language sql immutable as $$
  select regexp_replace(
    regexp_replace(
      regexp_replace(app_hidden.text_as_typed(value), '^([=+\-@\t\r\n])', '''\1'),
      '([;\t])(?="?[=+\-@\t\r\n])', '\1''', 'g'),
    '([\r\n])("?[=+\-@\t])', '\1''\2', 'g');
$$;
comment on function app_private.csv_safe(text) is 'Makes a typed text safe in a CSV cell: takes out what app_hidden.text_as_typed takes out (control characters but the tab, line feed and carriage return, DEL, C1 controls, bidirectional embeddings, overrides and isolates: an escape sequence coloured or cleared a terminal showing the file), from the texts written before text_as_typed kept them out too; then defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe, and so does what follows a `;` or a tab starting with one of them (where `;` or a tab separates cells, a cell starts there), and a line starting with = + - @ or a tab after a carriage return or line feed (where `;` separates cells, a quote is text and a line break starts a row); each of these also when a single quote comes first (`;"=cmd…`), which such a spreadsheet opens and closes at the cell''s start, reading the formula after it.';
revoke all on function app_private.csv_safe(text) from public;
