--! Previous: sha1:da3d445567f0ec4e689b0e21e618d02ae6edbd18
--! Hash: sha1:4aeefba9297f41b750a493feb9dc6077973166b9
--! Message: Documents in the database's decimals of the currency

-- Documents print amounts in the decimals the database keeps them in: the PDFs took Intl's for the
-- currency, none for PKR, IDR, COP, HUF and others the database keeps 2 of (0 for IQD, kept with 3):
-- a partially paid invoice of 99.95 PKR, 99.50 paid, printed "Balance due PKR 0".
create or replace function app_private.clinic_header(clinic_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select jsonb_build_object('name', c.name, 'address', c.address, 'phone', c.phone, 'email', c.email,
    'currency', c.currency, 'decimals', app_public.currency_decimals(c.currency), 'timezone', c.timezone, 'locale', c.locale,
    'footer', c.invoice_footer)
  from app_public.clinic c where c.id = clinic_header.clinic_id;
$$;
comment on function app_private.clinic_header(uuid) is 'What every document prints about the clinic, with the decimals of its currency (currency_decimals) that amounts are printed in.';
