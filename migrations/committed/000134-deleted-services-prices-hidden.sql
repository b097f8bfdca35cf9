--! Previous: sha1:697e10ea0bde664130552f1652fea31d3a729064
--! Hash: sha1:c2fd5ca018bedfcc8bc4036d99ba767d85abdcbe
--! Message: deleted services prices hidden

-- A deleted service's prices are hidden as the service is: servicePrices listed them to every role
-- (its id, its prices, who changed them), while only owners and admins may list deleted services.
-- Owners and admins still read them (deletedServices' priceAt), as do the functions that see
-- deleted rows by their definition.
drop policy if exists select_clinic on app_public.service_price;
create policy select_clinic on app_public.service_price for select using (
  clinic_id = (select app_public.current_clinic_id())
  and ((select app_hidden.current_role_in('owner', 'admin'))
       or exists (select from app_public.service s where s.clinic_id = service_price.clinic_id and s.id = service_price.service_id)));
comment on policy select_clinic on app_public.service_price is 'The clinic''s price history; a deleted service''s (hidden from the catalog, as its select policy hides the service) to owners and admins only.';
