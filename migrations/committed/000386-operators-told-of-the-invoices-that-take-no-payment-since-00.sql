--! Previous: sha1:570d3db723188482b89e41f22b2471c8ac080259
--! Hash: sha1:6fa3b6a4ecb71841c1cf570c8d80386fc091a582
--! Message: Operators told of the invoices that take no payment since 000384

-- Operators told of the invoices that take no payment since 000384
--
-- Since 000384 a payment of an invoice in another currency than its clinic's (the clinic's changed before 000066) is
-- refused, and the cashier is told to void it and invoice again in the clinic's currency; operators had no list of the
-- clinics where that will happen. The upgrade leaves them a warning (upgrade_warning, shown at the next start) naming
-- each clinic with such invoices still open (a draft, issued or paid in part), their count and currency.

create or replace function app_private.warn_of_invoices_in_another_currency() returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_clinics text;
begin
  select string_agg(format('%s (%s): %s invoice(s) in %s', c.name, c.id, o.invoices, o.currency), '; ' order by c.name, c.id, o.currency)
  into v_clinics
  from app_public.clinic c
  join lateral (
    select i.currency, count(*) as invoices
    from app_public.invoice i
    where i.clinic_id = c.id and i.currency <> c.currency and i.status in ('draft', 'issued', 'partially_paid')
    group by i.currency) o on true;
  if v_clinics is not null then
    insert into app_private.upgrade_warning (migration, message) values ('000386', format(
      'Clinics with open invoices in another currency than their own, which take no payment since 000384: %s. Void each (its payments refunded first when paid in part) and invoice what is owed again in the clinic''s currency (docs/billing.md)', v_clinics));
  end if;
end;
$$;
comment on function app_private.warn_of_invoices_in_another_currency() is 'Leaves the operators a warning (upgrade_warning) naming the clinics with open invoices (draft, issued, paid in part) in another currency than the clinic''s, whose currency changed before 000066: since 000384 they take no payment (tg_money__in_currency_decimals). Run by 000386.';
revoke all on function app_private.warn_of_invoices_in_another_currency() from public;
select app_private.warn_of_invoices_in_another_currency();
