--! Previous: sha1:6d29bfc4cbdaaea8af11f6cab2b3bdc2f667b15a
--! Hash: sha1:a13402196b5ee3b4b85758092bb138e1f6ab0a74
--! Message: A person's phone read as registration reads it, however the account is written

-- Enter migration here

-- A person's phone read as registration reads it, however the account is written
--
-- The user table had no trigger reading its phone, as the clinic's (_150_normalize_phone) and the patient's
-- (_150_normalize) have: every account the API makes is saved through normalize_phone, but an operator's insert or
-- update (psql as the owner, a data fix) saved any phone the e164_phone domain lets through, one that registration reads
-- otherwise among them (+2550712345678, the trunk 0 after the code, is read +255712345678). Its person could not log
-- in with the phone as typed (login looks the account up by normalize_phone of what is typed), npm run password found no
-- account of it, and an invitation of it (find_or_create_user, by the phone as normalize_phone reads it) made a second
-- account for the same person. The phone is now read when it is written, with the deployment's default calling code as
-- the clinic's is, and one that is no phone by today's rules is refused (INVALID_PHONE). A phone saved before that
-- today's rules read otherwise is read only when it is written again: the rest of its row still changes, and
-- correct_saved_phones corrects it (docs/operations.md).
create or replace function app_private.tg_user__normalize_phone() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  -- as it is written: a phone saved under older rules stays as it is when something else of the account changes
  if tg_op = 'INSERT' or new.phone is distinct from old.phone then
    new.phone := app_public.normalize_phone(new.phone, app_hidden.calling_code_for(null));
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_user__normalize_phone() from public;
comment on function app_private.tg_user__normalize_phone() is 'Trigger: a person''s phone is saved as registration, a login and an invitation read it (normalize_phone, with the deployment''s default calling code, as a clinic''s phone is) when it is written, by the API or by an operator; INVALID_PHONE when it is no phone by today''s rules. One saved before, that today''s rules read otherwise, stays until it is written again (correct_saved_phones).';

drop trigger if exists _150_normalize_phone on app_public."user";
create trigger _150_normalize_phone before insert or update of phone on app_public."user"
  for each row execute function app_private.tg_user__normalize_phone();
comment on trigger _150_normalize_phone on app_public."user" is 'Saves the phone written as normalize_phone reads it, or refuses it (tg_user__normalize_phone).';
