-- The service catalog: what a clinic charges for. Prices keep their history;
-- whatever was charged keeps the price it was charged at (visit_service.unit_price).

create extension if not exists btree_gin with schema public;

create table app_public.service (
  clinic_id uuid not null default app_public.current_clinic_id() references app_public.clinic,
  id uuid not null default gen_random_uuid(),
  code text not null,
  name text not null check (char_length(btrim(name)) between 1 and 200),
  category text check (char_length(category) <= 100),
  price numeric(16, 3) not null check (price >= 0),
  duration_minutes integer check (duration_minutes between 1 and 1440),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  deleted_at timestamptz,
  deleted_by uuid,
  primary key (clinic_id, id),
  unique (clinic_id, code)
);
create index service_clinic_name_idx on app_public.service (clinic_id, name);
create index service_clinic_category_idx on app_public.service (clinic_id, category);
comment on table app_public.service is E'@behavior -delete\nA service in the clinic''s catalog (consultation, test, procedure). Delete with deleteService (soft delete), bring back with restoreService.';
comment on column app_public.service.clinic_id is 'The clinic; always the session''s clinic.';
comment on column app_public.service.id is 'Internal identifier.';
comment on column app_public.service.code is 'Human-readable code, SRV-000001, allocated by the database.';
comment on column app_public.service.name is 'Name on the catalog and on invoices (1 to 200 characters).';
comment on column app_public.service.category is 'Free grouping such as Consultation, Laboratory, Pharmacy.';
comment on column app_public.service.price is 'Current price in the clinic''s currency; never negative. Changes are kept in serviceprices.';
comment on column app_public.service.duration_minutes is 'Typical duration, for scheduling.';
comment on column app_public.service.is_active is 'Inactive services stay in history but cannot be added to visits.';
comment on column app_public.service.created_at is 'When the row was created.';
comment on column app_public.service.created_by is 'User who created the row.';
comment on column app_public.service.updated_at is 'When the row last changed.';
comment on column app_public.service.updated_by is 'User who last changed the row.';
comment on column app_public.service.deleted_at is 'When the service was deleted (soft delete); null while in the catalog.';
comment on column app_public.service.deleted_by is 'User who deleted it.';

create table app_public.service_price (
  clinic_id uuid not null,
  id uuid not null default gen_random_uuid(),
  service_id uuid not null,
  price numeric(16, 3) not null check (price >= 0),
  effective_from timestamptz not null,
  effective_to timestamptz,
  changed_by uuid,
  primary key (clinic_id, id),
  foreign key (clinic_id, service_id) references app_public.service (clinic_id, id),
  check (effective_to is null or effective_to >= effective_from)
);
create unique index service_price_one_current on app_public.service_price (clinic_id, service_id) where effective_to is null;
create index service_price_service_idx on app_public.service_price (clinic_id, service_id, effective_from);
comment on table app_public.service_price is E'@behavior -insert -update -delete\nThe price history of a service, written by the database whenever the price changes.';
comment on column app_public.service_price.clinic_id is 'The clinic.';
comment on column app_public.service_price.id is 'Internal identifier.';
comment on column app_public.service_price.service_id is 'The service.';
comment on column app_public.service_price.price is 'The price in force between effective_from and effective_to.';
comment on column app_public.service_price.effective_from is 'From when this price applied.';
comment on column app_public.service_price.effective_to is 'Until when it applied; null for the current price.';
comment on column app_public.service_price.changed_by is 'Who set this price.';

create or replace function app_private.tg_service__record_price() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'UPDATE' then
    if new.price = old.price then
      return null;
    end if;
    update app_public.service_price p set effective_to = now()
    where p.clinic_id = new.clinic_id and p.service_id = new.id and p.effective_to is null;
  end if;
  insert into app_public.service_price (clinic_id, service_id, price, effective_from, changed_by)
  values (new.clinic_id, new.id, new.price, now(), app_public.current_user_id());
  return null;
end;
$$;
comment on function app_private.tg_service__record_price() is 'AFTER INSERT OR UPDATE OF price: closes the current price and opens the new one.';

alter table app_public.service enable row level security;
alter table app_public.service force row level security;
create policy system_context on app_public.service to :DATABASE_OWNER using ((select app_hidden.in_system_context()));
alter table app_public.service_price enable row level security;
alter table app_public.service_price force row level security;
create policy system_context on app_public.service_price to :DATABASE_OWNER using ((select app_hidden.in_system_context()));

create policy select_clinic on app_public.service for select using (
  clinic_id = (select app_public.current_clinic_id()) and (deleted_at is null or (select app_hidden.include_deleted()))
);
create policy insert_managers on app_public.service for insert with check (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
create policy update_managers on app_public.service for update using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
create policy delete_managers on app_public.service for delete using (
  clinic_id = (select app_public.current_clinic_id()) and (select app_hidden.current_role_in('owner', 'admin'))
);
grant select on app_public.service to :DATABASE_VISITOR;
grant insert (name, category, price, duration_minutes, is_active) on app_public.service to :DATABASE_VISITOR;
grant update (name, category, price, duration_minutes, is_active) on app_public.service to :DATABASE_VISITOR;
grant delete on app_public.service to :DATABASE_VISITOR;

create policy select_clinic on app_public.service_price for select using (clinic_id = (select app_public.current_clinic_id()));
create policy insert_with_service on app_public.service_price for insert with check (clinic_id = (select app_public.current_clinic_id()));
create policy update_with_service on app_public.service_price for update using (clinic_id = (select app_public.current_clinic_id()));
grant select on app_public.service_price to :DATABASE_VISITOR;

create trigger _100_timestamps before insert or update on app_public.service
  for each row execute function app_private.tg__timestamps();
create trigger _110_code before insert or update on app_public.service
  for each row execute function app_private.tg__assign_code('SRV');
create trigger _300_soft_delete before delete on app_public.service
  for each row execute function app_private.tg__soft_delete();
create trigger _500_audit after insert or update or delete on app_public.service
  for each row execute function app_private.tg__audit();
create trigger _600_record_price after insert or update of price on app_public.service
  for each row execute function app_private.tg_service__record_price();

create or replace function app_public.delete_service(service_id uuid) returns app_public.service
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_private.soft_delete(null::app_public.service, app_public.current_clinic_id(), service_id);
$$;
comment on function app_public.delete_service(uuid) is 'Removes a service from the catalog (soft delete: visits that used it keep it). Owners and admins.';

create or replace function app_public.restore_service(service_id uuid) returns app_public.service
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_private.restore(null::app_public.service, app_public.current_clinic_id(), service_id);
$$;
comment on function app_public.restore_service(uuid) is 'Brings a deleted service back into the catalog. Owners and admins.';

create or replace function app_public.service_price_at(service app_public.service, at timestamptz) returns numeric
language sql stable
as $$
  select p.price from app_public.service_price p
  where p.clinic_id = service.clinic_id and p.service_id = service.id
    and p.effective_from <= at and (p.effective_to is null or p.effective_to > at)
  order by p.effective_from desc limit 1;
$$;
comment on function app_public.service_price_at(app_public.service, timestamptz) is 'The price of the service at a given time.';

comment on constraint service_price_clinic_id_service_id_fkey on app_public.service_price is E'@fieldName service\n@foreignFieldName prices';
