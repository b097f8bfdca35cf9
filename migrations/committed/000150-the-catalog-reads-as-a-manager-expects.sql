--! Previous: sha1:14f4c933cee044da815df895edb4a8553bdaf0e0
--! Hash: sha1:59167f97eb78f2d3254430eedfc84d7ea493a9f2
--! Message: the catalog reads as a manager expects

-- The catalog reads as a manager expects: price history in order, today's price by default, and the
-- services filtered by whether they are active and ordered by price.
--
-- A tester of the catalog (over HTTP) found a service's `prices` listed in the order of their random
-- keys unless the client asked for one; `priceAt` without `at` answering null rather than today's price;
-- and no `isActive` filter nor price order for a screen of the services a visit can be given
-- (PostGraphile offers filters and orders on indexed columns only).

comment on table app_public.service_price is '@behavior -insert -update -delete
@defaultOrderBy SERVICE_ID_ASC,EFFECTIVE_FROM_ASC
The price history of a service, written by the database whenever the price changes; listed in the order the prices took effect.';

create or replace function app_public.service_price_at(service app_public.service, at timestamptz) returns numeric
language sql stable as $$
  select p.price from app_public.service_price p
  where p.clinic_id = service.clinic_id and p.service_id = service.id
    and p.effective_from <= coalesce(service_price_at.at, now())
    and (p.effective_to is null or p.effective_to > coalesce(service_price_at.at, now()))
  order by p.effective_from desc limit 1;
$$;
comment on function app_public.service_price_at(service app_public.service, at timestamptz) is 'The price of the service at a given time (now when left out).';

create index if not exists service_clinic_is_active_idx on app_public.service (clinic_id, is_active);
comment on index app_public.service_clinic_is_active_idx is 'A clinic''s active (or inactive) services: the API''s isActive filter and condition.';
create index if not exists service_clinic_price_idx on app_public.service (clinic_id, price);
comment on index app_public.service_clinic_price_idx is 'A clinic''s services by price: the API''s PRICE order and price filters.';
