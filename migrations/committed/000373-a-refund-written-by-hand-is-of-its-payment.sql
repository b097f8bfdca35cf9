--! Previous: sha1:4c4ad1dece1b230b7c32111db1993e0cb616101d
--! Hash: sha1:94e554572a21ab4de6f6244fb4a2b8c5240de752
--! Message: A refund written by hand is of its payment

-- A refund written by hand is of its payment's invoice, in its method, and at most what is left of the payment
--
-- refund_payment keeps a refund within what is left of its payment, on its payment's invoice and in its method, but
-- nothing held a refund inserted otherwise (an operator's psql): one of 1,800 from a payment of 1,000 was taken (1,900
-- refunded of it), in bank transfer from a card payment, the invoice's amount paid, which other payments kept above
-- zero, the only bound; and one naming another invoice than its payment's lowered that invoice's amount paid. Now such
-- an insert is refused (INVALID_INPUT), the payment locked as refund_payment locks it.
create or replace function app_private.tg_refund__of_its_payment()
 returns trigger
 language plpgsql
as $function$
declare
  v_payment app_public.payment;
begin
  -- locked, as refund_payment locks it: refunds of one payment take turns (a payment not found is the foreign key's to report)
  select * into v_payment from app_public.payment p where p.clinic_id = new.clinic_id and p.id = new.payment_id for update;
  if found and ((new.invoice_id, new.method) is distinct from (v_payment.invoice_id, v_payment.method)
      or new.amount > v_payment.amount - (select coalesce(sum(r.amount), 0) from app_public.refund r
                                           where r.clinic_id = new.clinic_id and r.payment_id = new.payment_id)) then
    raise exception 'A refund is of its payment''s invoice, in its method, and at most what is left of the payment.' using errcode = 'CINVL';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_refund__of_its_payment() from public;
comment on function app_private.tg_refund__of_its_payment() is
  'BEFORE INSERT: a refund is of its payment''s invoice, in its method, and at most what is left of the payment, the payment locked (INVALID_INPUT; refund_payment tells REFUND_EXCEEDS_PAYMENT first, with what is left): the rule held for a refund written other than by refund_payment (an operator''s psql).';
drop trigger if exists _200_of_its_payment on app_public.refund;
create trigger _200_of_its_payment before insert on app_public.refund
  for each row execute function app_private.tg_refund__of_its_payment();
