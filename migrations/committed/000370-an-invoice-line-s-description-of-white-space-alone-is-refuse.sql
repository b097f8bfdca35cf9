--! Previous: sha1:2536b8b50c338bf4d121c81ff5a15b1b06299961
--! Hash: sha1:af396f64751cd61a32ac5c84c2d9ed27e192040e
--! Message: An invoice line's description of white space alone is refused

-- An invoice line's description of white space of any kind alone is refused, as one of spaces alone was
--
-- `invoice_line_description_check` trimmed with `btrim`, which takes off spaces only: a description of tabs,
-- line breaks, no-break or zero-width spaces alone was taken, and the invoice printed a line saying nothing.
-- The check now reads the description through `app_hidden.text_or_null` (white space of any kind, as free
-- texts are read since 000169), so such a line is refused under the same constraint and message; lines saved
-- before are left as they are (the constraint is NOT VALID, and 000376 replaces it by a trigger on the lines
-- written, so no line is read to validate it).
do $$
begin
  if not exists (
    select from pg_constraint
    where conrelid = 'app_public.invoice_line'::regclass and conname = 'invoice_line_description_check'
      and pg_get_constraintdef(oid) like '%text_or_null%'
  ) then
    alter table app_public.invoice_line drop constraint if exists invoice_line_description_check;
    alter table app_public.invoice_line add constraint invoice_line_description_check
      check (coalesce(char_length(app_hidden.text_or_null(description)), 0) between 1 and 300) not valid;
  end if;
end
$$;
