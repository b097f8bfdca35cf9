--! Previous: sha1:4e5a5e40ff3e088d70fbf71f58f2123a86c86fa7
--! Hash: sha1:a4e9ae8ba42fb8b99b9670d747c22b00f372b715
--! Message: A tax rate typed with trailing zeros is the rate without them

-- A tax rate typed with trailing zeros (0.0725000, as a form padding to 7 places sends it) was refused as one of
-- more than 6 decimals (a money tester's find): the check counts the decimals as typed (000068: the rate is kept
-- as typed, 0.18 not 0.180000), and trailing zeros are typed decimals that say nothing. They are dropped first,
-- where a rate is typed (a clinic's, a line typed by hand), so 0.0725000 is the rate 0.0725; a rate of 7 decimals
-- that mean something (0.0725001) is still refused.
create or replace function app_private.tg__tax_rate_as_meant() returns trigger
language plpgsql set search_path = pg_catalog, public, pg_temp
as $$
begin
  new.tax_rate := trim_scale(new.tax_rate);
  return new;
end;
$$;
comment on function app_private.tg__tax_rate_as_meant() is 'Trigger: a tax rate without its trailing zeros (0.0725000 is 0.0725), before the check of its decimals as typed.';

drop trigger if exists _150_tax_rate_as_meant on app_public.clinic;
create trigger _150_tax_rate_as_meant before insert or update of tax_rate on app_public.clinic
  for each row execute function app_private.tg__tax_rate_as_meant();
comment on trigger _150_tax_rate_as_meant on app_public.clinic is 'A tax rate without its trailing zeros (tg__tax_rate_as_meant).';
drop trigger if exists _150_tax_rate_as_meant on app_public.invoice_line;
create trigger _150_tax_rate_as_meant before insert or update of tax_rate on app_public.invoice_line
  for each row execute function app_private.tg__tax_rate_as_meant();
comment on trigger _150_tax_rate_as_meant on app_public.invoice_line is 'A tax rate without its trailing zeros (tg__tax_rate_as_meant).';
