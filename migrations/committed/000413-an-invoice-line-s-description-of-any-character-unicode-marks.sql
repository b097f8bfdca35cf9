--! Previous: sha1:fe3279898350d71a6aa31f4fc251944fbc2cc0ca
--! Hash: sha1:06ae677e17a009e662fb0eebb2d476b0726922a7
--! Message: An invoice line's description of any character Unicode marks as printing nothing is none

-- An invoice line's description of any character Unicode marks as printing nothing is none
--
-- 000407 refused a description of characters that print nothing by what app_hidden.name_as_meant takes out of a name
-- (word joiners, zero-width spaces and joiners, soft hyphens, Hangul fillers, the blank Braille pattern), and the
-- column's description says "something visible (not white space, zero-width or other invisible characters alone)". Yet
-- the other characters Unicode names as printing nothing (Default_Ignorable_Code_Point) were taken alone: the invisible
-- function application, times, separator and plus (U+2061–U+2064), the combining grapheme joiner (U+034F), a variation
-- selector (U+FE00–U+FE0F), the Mongolian vowel separator and free variation selectors (U+180B–U+180F), the Khmer
-- inherent vowels (U+17B4, U+17B5), the musical symbol formatting characters (U+1D173–U+1D17A) and the tags
-- (U+E0000–U+E0FFF): createInvoiceLine or updateInvoiceLine kept such a line, and the invoice printed a line saying
-- nothing. A description now says something when something is left of it once name_as_meant has read it and every
-- default-ignorable character and space is taken out (an emoji's variation selector, a tag sequence's, are out of a
-- description that keeps its emoji). The names name_as_meant reads elsewhere are not changed.
create or replace function app_private.tg_invoice_line__description_says_something()
 returns trigger
 language plpgsql
as $function$
begin
  -- a description left out is the not-null constraint's to tell ("A required value is missing: description.")
  if new.description is not null and (
       coalesce(char_length(app_hidden.text_or_null(new.description)), 0) not between 1 and 300
       -- nothing visible: nothing left once name_as_meant has read it and the characters Unicode marks as printing
       -- nothing (Default_Ignorable_Code_Point), spaces among them, are out (000413)
       or ((regexp_replace(app_hidden.name_as_meant(new.description),
              '[ \u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]',
              '', 'g') = ''
            or char_length(new.description) > 300)
           -- its service's name as the catalog keeps it (one saved before 000130 kept the white space around it), which
           -- a visit's line bills whatever became of it: the catalog's, held to the rule it was saved under
           and not exists (select from app_public.service s
                           where s.clinic_id = new.clinic_id and s.id = new.service_id and s.name = new.description))) then
    raise exception 'new row for relation "invoice_line" violates check constraint "invoice_line_description_check"'
      using errcode = 'check_violation', constraint = 'invoice_line_description_check', schema = 'app_public', table = 'invoice_line';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_invoice_line__description_says_something() from public;
comment on function app_private.tg_invoice_line__description_says_something() is
  'BEFORE INSERT or UPDATE OF description: a line''s description says something (something is left of it once app_hidden.name_as_meant has read it and every character Unicode marks as printing nothing, Default_Ignorable_Code_Point, and every space are out: not white space, zero-width or other invisible characters alone, 000413) in at most 300 characters as kept (its service''s name as the catalog keeps it, one saved before 000130 with white space around it, 1 to 300 characters once that is taken off, the rule of before), else 23514 under the name invoice_line_description_check (the check it replaces, by which the API finds its message); on the lines written only, so that the cascades rewriting a void invoice''s line saved before the rule (000370) are not refused.';
