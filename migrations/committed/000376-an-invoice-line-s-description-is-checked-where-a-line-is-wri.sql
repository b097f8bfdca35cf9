--! Previous: sha1:e83f3d946173f3c0fc91232c21987cafcd28f4b4
--! Hash: sha1:9dc36b2c6dd5ad0960c9869187dae665bee9d7f7
--! Message: An invoice line's description is checked where a line is written

-- An invoice line's description of white space alone is refused where a line is written, not where one is rewritten
--
-- 000370 made invoice_line_description_check read the description through text_or_null, NOT VALID (lines saved
-- before left as they were). A NOT VALID check still holds every row updated, and the cascades of a visit's service (its
-- version on update, set null on delete) rewrite the void invoice's line that billed it: a doctor's change or
-- removal of that service was refused for good, as no one may change a void invoice's line. The rule is now a
-- trigger on the lines written (inserted, or their description set), last of the BEFORE triggers as the check was,
-- under the check's name (the API's message is found by it), and the check is dropped: no check holds every line
-- saved, those of before 000370 (a tab alone) and those of since (300 characters and a line break), and one added NOT
-- VALID would refuse the cascades' rewrites again.
create or replace function app_private.tg_invoice_line__description_says_something()
 returns trigger
 language plpgsql
as $function$
begin
  -- a description left out is the not-null constraint's to tell ("A required value is missing: description.")
  if new.description is not null and coalesce(char_length(app_hidden.text_or_null(new.description)), 0) not between 1 and 300 then
    raise exception 'new row for relation "invoice_line" violates check constraint "invoice_line_description_check"'
      using errcode = 'check_violation', constraint = 'invoice_line_description_check', schema = 'app_public', table = 'invoice_line';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_invoice_line__description_says_something() from public;
comment on function app_private.tg_invoice_line__description_says_something() is
  'BEFORE INSERT or UPDATE OF description: a line''s description says something, 1 to 300 characters once white space of any kind around it is taken off (text_or_null), else 23514 under the name invoice_line_description_check (the check it replaces, by which the API finds its message); on the lines written only, so that the cascades rewriting a void invoice''s line saved before the rule (000370) are not refused.';
drop trigger if exists _900_description_says_something on app_public.invoice_line;
create trigger _900_description_says_something before insert or update of description on app_public.invoice_line
  for each row execute function app_private.tg_invoice_line__description_says_something();
do $$
begin
  if exists (
    select from pg_constraint
    where conrelid = 'app_public.invoice_line'::regclass and conname = 'invoice_line_description_check'
      and pg_get_constraintdef(oid) like '%text_or_null%'
  ) then
    alter table app_public.invoice_line drop constraint invoice_line_description_check;
  end if;
end
$$;
comment on column app_public.invoice_line.description is E'@hasDefault\nWhat is billed (the service name by default; required for a line without a service): 1 to 300 characters once white space of any kind around it is taken off, checked as a line is written (tg_invoice_line__description_says_something).';
