--! Previous: sha1:8bf56b18b4a17ad82fafb1faa082cb2d1424254f
--! Hash: sha1:68c95eb4a9b53a4e1ee498ba433adf765b2f92f5
--! Message: service names as meant

-- A service's name and category are saved as meant, as patients' and members' names are
-- (app_hidden.name_as_meant): " consultation " was saved with its spaces, listed before
-- "Consultation" by name, and two services of one name looked like two. Names saved before stay as
-- they are until edited.

create or replace function app_private.tg_service__names_as_meant() returns trigger
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'INSERT' or new.name is distinct from old.name then
    new.name := app_hidden.name_as_meant(new.name);
  end if;
  if tg_op = 'INSERT' or new.category is distinct from old.category then
    new.category := nullif(app_hidden.name_as_meant(new.category), '');
  end if;
  return new;
end;
$$;
comment on function app_private.tg_service__names_as_meant() is
  'BEFORE INSERT OR UPDATE OF name, category: saves them as meant (app_hidden.name_as_meant: white space collapsed and trimmed, one Unicode form); a category of nothing visible is none, a name of nothing visible is refused (service_name_check).';

drop trigger if exists _140_names_as_meant on app_public.service;
create trigger _140_names_as_meant before insert or update of name, category on app_public.service
  for each row execute function app_private.tg_service__names_as_meant();
comment on trigger _140_names_as_meant on app_public.service is 'A service''s name and category saved as meant (tg_service__names_as_meant).';
