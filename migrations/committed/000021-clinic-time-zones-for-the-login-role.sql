--! Previous: sha1:55b64c4250b2e2b64964e57813feaeb5dcf5583b
--! Hash: sha1:792dca17617f774c12016fe316323f7bce737dd2
--! Message: clinic time zones for the login role

--------------------------------------------------------------------------------
-- Each clinic's time zone where the login role reads it, without a function or
-- a policy to run: 000020 read it through the session and the clinic's
-- policies, five definer calls and 0.14 ms of every request. Every API
-- transaction of a session sets TimeZone from here, by the (signed)
-- clinic claim of its cookie; a time zone is not a secret.

create table app_hidden.clinic_time_zone (
  clinic_id uuid primary key references app_public.clinic (id) on delete cascade,
  time_zone text not null
);
comment on table app_hidden.clinic_time_zone is 'Each clinic''s time zone, kept by a trigger on clinic: what an API transaction sets as its TimeZone, read by the login role in the statement that opens it.';
comment on column app_hidden.clinic_time_zone.clinic_id is 'The clinic.';
comment on column app_hidden.clinic_time_zone.time_zone is 'Its IANA time zone, as app_public.clinic.timezone.';
alter table app_hidden.clinic_time_zone enable row level security;
alter table app_hidden.clinic_time_zone force row level security;
create policy read_by_login on app_hidden.clinic_time_zone for select to :DATABASE_AUTHENTICATOR using (true);
create policy kept_by_trigger on app_hidden.clinic_time_zone to :DATABASE_OWNER using (true);
grant usage on schema app_hidden to :DATABASE_AUTHENTICATOR;
grant select on app_hidden.clinic_time_zone to :DATABASE_AUTHENTICATOR;

create or replace function app_private.tg_clinic__time_zone() returns trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
begin
  insert into app_hidden.clinic_time_zone (clinic_id, time_zone) values (new.id, new.timezone)
  on conflict (clinic_id) do update set time_zone = excluded.time_zone;
  return null;
end;
$$;
comment on function app_private.tg_clinic__time_zone() is 'AFTER INSERT OR UPDATE OF timezone on clinics: keeps app_hidden.clinic_time_zone.';
drop trigger if exists _700_time_zone on app_public.clinic;
create trigger _700_time_zone after insert or update of timezone on app_public.clinic
  for each row execute function app_private.tg_clinic__time_zone();

insert into app_hidden.clinic_time_zone (clinic_id, time_zone) select c.id, c.timezone from app_public.clinic c
on conflict (clinic_id) do update set time_zone = excluded.time_zone;

drop function if exists app_hidden.session_time_zone();
