--! Previous: sha1:10e366eda10475c7b63e3abcb4ea566063349721
--! Hash: sha1:e3584bfd713eb1823106ca7f856ab04b50352f51
--! Message: A payment is in its clinic's currency

-- A payment is in its clinic's currency
--
-- A clinic whose currency changed before 000066 (since then it is kept once the clinic has invoices) can still have
-- open invoices in its old one, and record_payment took a payment of such an invoice: 100 dollars of an invoice in a
-- clinic now in yen were added as 100 yen to the day's expected cash (the cash-up, the reconciliation sheet) and to the
-- dashboard's and monthly summary's revenue, and took 100 off its outstanding balance, for every count and rollup adds
-- amounts without a currency, in the clinic's. Now a payment of an invoice in another currency than its clinic's is
-- refused (INVALID_INPUT), however it is written (an operator's psql too), saying what to do: void the invoice and
-- invoice again in the clinic's currency, its payments refunded first when it was paid in part. A refund of a payment
-- taken before is still given: it is counted back as its payment was (in the clinic's currency, netting it out of the
-- day's and the dashboard's sums), and it is the way to void such an invoice paid in part. The check joins the trigger
-- that already reads the invoice's currency for every payment and refund (its decimals), so the invoice is read once.
-- Nothing kept before changes: the payments and refunds of such invoices stay on their days as counted, and a
-- payment's method is still corrected.
create or replace function app_private.tg_money__in_currency_decimals() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
  set clinicops.reinvitation to 'off'
as $$
declare
  v_code text; -- the invoice's
  v_currency text;
  v_paid numeric;
  v_all numeric; -- the whole balance, or all that is left of the payment
  v_counted_in text; -- the clinic's currency, which every day's count, rollup and dashboard adds amounts in
begin
  if tg_table_name = 'payment' then
    -- the clinic's currency is kept once it has invoices (tg_clinic__currency_kept): no change of it comes meanwhile
    select i.code, i.currency, i.amount_paid, i.balance, c.currency into v_code, v_currency, v_paid, v_all, v_counted_in
    from app_public.invoice i join app_public.clinic c on c.id = i.clinic_id
    where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
    if v_currency <> v_counted_in then
      raise exception '% is in %, and the clinic now counts its money in %: a payment of it would be counted as % %. %',
        v_code, v_currency, v_counted_in, app_private.money_text(new.amount, v_counted_in), v_counted_in,
        case when v_paid > 0 then format('Refund its payments (counted back as they were), void it, and invoice what is owed again in %s.', v_counted_in)
             else format('Void it and invoice what is owed again in %s.', v_counted_in) end
        using errcode = 'CINVL';
    end if;
  else
    -- a refund of a payment of an invoice in another currency (taken before 000384) is given, counted back as it was
    select i.currency, p.amount - app_public.payment_refunded_amount(p) into v_currency, v_all
    from app_public.payment p join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
    where p.clinic_id = new.clinic_id and p.id = new.payment_id;
  end if;
  perform app_private.check_currency_decimals(new.amount, v_currency, v_all);
  return new;
end;
$$;
revoke all on function app_private.tg_money__in_currency_decimals() from public;
comment on function app_private.tg_money__in_currency_decimals() is
  'BEFORE INSERT on payments and refunds, the invoice read once: a payment''s invoice is in the clinic''s currency, which every day''s count, rollup and dashboard adds amounts in (INVALID_INPUT otherwise, saying what to do: an invoice in another is one made before its clinic''s currency changed, before 000066; a refund of a payment taken before is given, counted back as its payment was), and the amount has the decimals of that currency, or is all that is due (the balance; what is left of the payment) (INVALID_INPUT).';
