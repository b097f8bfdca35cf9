--! Previous: sha1:f99b8e1ce32f7d558ec2c827a7581cc23ee36120
--! Hash: sha1:c83efc33d1f0038cee6ac07e3550ac269085f5db
--! Message: The top services' rollup follows a draft's currency and a line's decimals changed: the invoice's rollup trigger fires on currency too, the line's on decimals

-- Enter migration here

-- A draft's currency and a line's decimals, changed, move the dashboard's rollups of its services
--
-- The rollups of invoiced services (app_private.daily_services) are kept per currency, the invoice's, and add the
-- lines' totals; but the invoice's rollup trigger fired on its status and time alone, and the line's on every column of
-- its total but its decimals. A draft's currency may still change (tg_invoice__lifecycle keeps an issued invoice's),
-- and an operator's psql putting a draft left in a clinic's old currency (before 000066) into its currency now left
-- its lines counted in the old one: the dashboard's top services left them out, where a rebuild counts them as the
-- clinic's money; and a line's decimals rewritten (one from before 000022, kept at 2) changed its total, and its
-- invoice's (_600_totals fires on it), but not the rollup's. Both now move the lines, as a rebuild counts them:
-- tg_invoice__rollup takes them off under the invoice as it was and puts them on under the invoice as it is, whatever
-- changed of it.
drop trigger if exists _650_rollup on app_public.invoice;
create trigger _650_rollup after update of status, created_at, currency on app_public.invoice for each row
  when (((old.status = 'void'::app_public.invoice_status) is distinct from (new.status = 'void'::app_public.invoice_status))
        or (old.created_at is distinct from new.created_at) or (old.currency is distinct from new.currency))
  execute function app_private.tg_invoice__rollup();
comment on function app_private.tg_invoice__rollup() is 'AFTER UPDATE of status, created_at or currency on invoices: voiding takes the lines out of daily_services; a change of the time or of a draft''s currency moves them to the day or currency the invoice has now.';

drop trigger if exists _650_rollup on app_public.invoice_line;
create trigger _650_rollup after insert or delete or update of invoice_id, service_id, quantity, unit_price, discount, tax_rate, decimals
  on app_public.invoice_line for each row execute function app_private.tg_invoice_line__rollup();
comment on function app_private.tg_invoice_line__rollup() is 'AFTER INSERT/UPDATE/DELETE on invoice lines (an update of any column its total is made of, its decimals included): keeps daily_services.';
