--! Previous: sha1:890c3b1bea26142b485e911d5f5cd93d159a6f08
--! Hash: sha1:eadb0ba5252a4cef3483d8fb242614567e39ca54
--! Message: a-formula-after-a-tab-defused-in-the-csv-exports

-- A formula after a tab in a typed text defused in the CSV exports
--
-- LibreOffice splits a CSV's cells at commas, semicolons and tabs unless told otherwise, and Excel's text import
-- (Data > From Text) at tabs alone: a visit's reason typed "Fever", a tab, then "=cmd|' /C calc'!A0" (a payment's
-- reference, a patient's address, a cancel or void reason likewise) was written unquoted and as typed, and such a
-- spreadsheet opened the text after the tab as a cell of its own and ran it as a formula. A tab now separates cells
-- for the defusing as a `;` does (000108): what follows a tab and starts with = + - @, a tab, a carriage return or a
-- line feed gets a leading apostrophe ("Fever", a tab, "'=cmd…"), and the worker quotes a cell holding a tab (it
-- quoted only commas, semicolons, quotes and line breaks), so a spreadsheet that keeps a quoted cell whole keeps it one.
create or replace function app_private.csv_safe(value text) returns text
language sql immutable as $$
  select regexp_replace(
    regexp_replace(case when value ~ '^[=+\-@\t\r\n]' then '''' || value else value end, '([;\t])(?=[=+\-@\t\r\n])', '\1''', 'g'),
    '([\r\n])([=+\-@\t])', '\1''\2', 'g');
$$;
comment on function app_private.csv_safe(text) is 'Defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe, and so does what follows a `;` or a tab starting with one of them (where `;` or a tab separates cells, a cell starts there), and a line starting with = + - @ or a tab after a carriage return or line feed (where `;` separates cells, a quote is text and a line break starts a row).';
