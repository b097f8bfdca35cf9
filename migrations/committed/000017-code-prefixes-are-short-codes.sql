--! Previous: sha1:51c8fef4899d828dabca1cc3e3cc146507127867
--! Hash: sha1:3835f0489df3ad5155b56c32f539253251008664
--! Message: code prefixes are short codes

--! split: 360-code-prefixes-are-short-codes
-- A clinic's prefix overrides become part of every code, of file names and of
-- the download's Content-Disposition header: letters and digits only, 1 to 8
-- of them, for the prefixes ClinicOps hands out.
create or replace function app_hidden.code_prefixes_are_valid(prefixes jsonb) returns boolean
language sql immutable
as $$
  select jsonb_typeof(prefixes) = 'object'
    and not exists (
      select 1 from jsonb_each(prefixes) p
      where p.key not in ('PAT', 'SRV', 'VIS', 'INV', 'PAY', 'REF')
         or jsonb_typeof(p.value) <> 'string'
         or p.value #>> '{}' !~ '^[A-Za-z0-9]{1,8}$');
$$;
comment on function app_hidden.code_prefixes_are_valid(jsonb) is 'Whether a clinic''s code prefix overrides name known prefixes (PAT, SRV, VIS, INV, PAY, REF) and replace each with 1 to 8 letters or digits.';
alter table app_public.clinic add constraint code_prefixes_are_valid check (app_hidden.code_prefixes_are_valid(code_prefixes));
