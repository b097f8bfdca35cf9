--! Previous: sha1:dfd72b3a40321e923f6a5163b392967fa0a3c6a0
--! Hash: sha1:6f0217a42faf55817957f82c3b50cb7d3bbf6a7b
--! Message: A service's priceAt without a time stays today's price now that the API requires a function's arguments without a default: its time defaults to null

-- The API takes a function's arguments without a default as required (pgStrictFunctions: a missing id was
-- NOT_FOUND, and the schema called every argument optional). A service's priceAt without a time is today's
-- price: its time has a default, so that it stays optional.
create or replace function app_public.service_price_at(service app_public.service, at timestamptz default null) returns numeric
language sql stable
as $$
  select p.price from app_public.service_price p
  where p.clinic_id = service.clinic_id and p.service_id = service.id
    and p.effective_from <= coalesce(service_price_at.at, now())
    and (p.effective_to is null or p.effective_to > coalesce(service_price_at.at, now()))
  order by p.effective_from desc limit 1;
$$;
