--! Previous: sha1:7750dfe4dfbe230c26ba18c8d6ebdd19fd041ca6
--! Hash: sha1:24c9ec5f63747249eb41994d498cab880f418962
--! Message: An invoice line's description says something visible, in at most 300 characters as kept

-- An invoice line's description says something visible, in at most 300 characters as it is kept
--
-- tg_invoice_line__description_says_something (000376) read the description through text_or_null, which takes off
-- the white space around a text and nothing else: a description of characters that print nothing took a line (a word
-- joiner U+2060, the zero-width no-break space Unicode names in place of U+FEFF; a zero-width joiner or non-joiner; a
-- Hangul filler; a soft hyphen; a blank Braille pattern), and the invoice printed a line saying nothing, which 000370
-- meant to refuse; and its 300 characters were counted without that white space, so a description of one word and
-- 200,000 spaces or line breaks (what a request may carry) was taken and kept whole, where the refusal says "at most
-- 300 characters". A description now says something when app_hidden.name_as_meant (the rule of names and reasons:
-- something left once invisible characters and white space of any kind are taken out) leaves something of it, and has
-- at most 300 characters as kept (without its control characters, tg__texts_as_typed); on the lines written only, as
-- before, so the cascades rewriting a void invoice's line saved before are not refused. A description that is its
-- service's name as the catalog keeps it is held to the rule of before alone: a name saved before 000130 kept the
-- white space around it, and a visit's service is billed whatever became of it in the catalog.
create or replace function app_private.tg_invoice_line__description_says_something()
 returns trigger
 language plpgsql
as $function$
begin
  -- a description left out is the not-null constraint's to tell ("A required value is missing: description.")
  if new.description is not null and (
       coalesce(char_length(app_hidden.text_or_null(new.description)), 0) not between 1 and 300
       or ((app_hidden.name_as_meant(new.description) = '' or char_length(new.description) > 300)
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
  'BEFORE INSERT or UPDATE OF description: a line''s description says something (app_hidden.name_as_meant leaves something of it: not white space, zero-width or other invisible characters alone) in at most 300 characters as kept (its service''s name as the catalog keeps it, one saved before 000130 with white space around it, 1 to 300 characters once that is taken off, the rule of before), else 23514 under the name invoice_line_description_check (the check it replaces, by which the API finds its message); on the lines written only, so that the cascades rewriting a void invoice''s line saved before the rule (000370) are not refused.';
comment on column app_public.invoice_line.description is E'@hasDefault\nWhat is billed (the service name by default; required for a line without a service): something visible (not white space, zero-width or other invisible characters alone), at most 300 characters as kept (its service''s name saved before 000130: once the white space around it is taken off), checked as a line is written (tg_invoice_line__description_says_something).';
