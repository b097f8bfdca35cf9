--! Previous: sha1:b7c4af2ca55fea4f5380a0e98a690283c04496b4
--! Hash: sha1:4c537c601ea61d99938c8c8b3fa5178a4840f2b0
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
