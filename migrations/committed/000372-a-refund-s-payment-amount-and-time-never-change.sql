--! Previous: sha1:f46aa4d248e8981ee5a97c903ec7950bb3c4d7dd
--! Hash: sha1:4c4ad1dece1b230b7c32111db1993e0cb616101d
--! Message: A refund's payment, amount and time never change

-- A refund's payment, invoice, amount and time never change, as a payment's never do
--
-- A payment's invoice, amount, time and key are kept by tg_payment__guard even against an operator's psql, but a
-- refund had no such guard: an update of a refund given back as 100 to 900 was taken, the invoice's amount paid and
-- the day's expected cash moved by 800 with no money moved, its time moved it to another business day, and a refund
-- moved to another payment or invoice left its first invoice's amount paid as if it were still there. Now they are
-- refused (INVALID_INPUT), as for a payment: a refund too small is completed by another, one too large by a payment.
-- Its method still follows its payment's when that is corrected (tg_payment__method_to_refunds), and its reason may
-- be corrected.
create or replace function app_private.tg_refund__guard()
 returns trigger
 language plpgsql
as $function$
begin
  if (new.payment_id, new.invoice_id, new.amount, new.refunded_at, new.idempotency_key) is distinct from
     (old.payment_id, old.invoice_id, old.amount, old.refunded_at, old.idempotency_key) then
    raise exception 'A refund''s payment, amount and time never change: refund the rest, or take a payment for what was given back too much.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_refund__guard() from public;
comment on function app_private.tg_refund__guard() is
  'BEFORE UPDATE: a refund''s payment, invoice, amount, time and idempotency key never change (INVALID_INPUT), as a payment''s never do (tg_payment__guard); its method follows its payment''s (tg_payment__method_to_refunds) and its reason may be corrected.';
drop trigger if exists _200_guard on app_public.refund;
create trigger _200_guard before update on app_public.refund
  for each row execute function app_private.tg_refund__guard();
