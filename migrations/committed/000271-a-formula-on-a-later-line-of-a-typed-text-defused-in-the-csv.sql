--! Previous: sha1:ed6964d25d49583acbbc6ba8e98465f2c4291e10
--! Hash: sha1:c50b7e35d9ecc2876801af81ee7063788b8686ce
--! Message: A formula on a later line of a typed text defused in the CSV exports

-- A formula on a later line of a typed text defused in the CSV exports
--
-- A spreadsheet whose list separator is `;` (much of Europe and Latin America: 000108) reads the CSV's commas and
-- quotes as text, so a line break inside a quoted cell (a patient's address of several lines, a visit's reason, a
-- payment's reference) ends the row there, and the text after the break begins the next row, as its first cell. An
-- address typed "Plot 5", then "=cmd|' /C calc'!A0" on its second line, was exported as typed, and such a
-- spreadsheet ran the second line as a formula, as it would at a cell's start. What follows a carriage return or a
-- line feed is now defused as a cell's start is: a line starting with = + - @ or a tab gets a leading apostrophe
-- ("Plot 5" then "'=cmd…"); line breaks and empty lines are left as they were typed.
create or replace function app_private.csv_safe(value text) returns text
language sql immutable as $$
  select regexp_replace(
    regexp_replace(case when value ~ '^[=+\-@\t\r\n]' then '''' || value else value end, ';([=+\-@\t\r\n])', ';''\1', 'g'),
    '([\r\n])([=+\-@\t])', '\1''\2', 'g');
$$;
comment on function app_private.csv_safe(text) is 'Defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe, and so does what follows a `;` starting with one of them (where `;` separates cells, a cell starts there), and a line starting with = + - @ or a tab after a carriage return or line feed (where `;` separates cells, a quote is text and a line break starts a row).';
