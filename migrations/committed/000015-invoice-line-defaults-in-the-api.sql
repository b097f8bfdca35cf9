--! Previous: sha1:c42e6fb1dfb84455e91ed9c67aa7d1913a2f4484
--! Hash: sha1:6ba88f5afea220552416db21dd59a65501efd473
--! Message: invoice line defaults in the API

--! split: 310-invoice-line-defaults-in-the-api
-- An invoice line's description, unit price and tax rate have defaults that
-- tg_invoice_line__guard fills in (the service's name and price, the
-- invoice's tax rate); the columns are NOT NULL, so PostGraphile made them
-- required in createInvoiceLine. @hasDefault tells it they may be left out.
comment on column app_public.invoice_line.description is E'@hasDefault\nWhat is billed (the service name by default; required for a line without a service).';
comment on column app_public.invoice_line.unit_price is E'@hasDefault\nPrice of one unit; from the catalog (or the visit''s snapshot) unless given; required for a line without a service.';
comment on column app_public.invoice_line.tax_rate is E'@hasDefault\nTax rate of the line (the invoice''s by default).';
