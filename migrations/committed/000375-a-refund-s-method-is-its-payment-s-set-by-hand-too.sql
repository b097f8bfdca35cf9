--! Previous: sha1:e8a5cc312b51de29aab6a49afd685de20235598b
--! Hash: sha1:e83f3d946173f3c0fc91232c21987cafcd28f4b4
--! Message: A refund's method is its payment's, set by hand too

-- A refund's method is its payment's, set by hand too: one in another tender than its payment's is refused
--
-- tg_refund__guard (000372) kept a refund's payment, invoice, amount and time, but let its method be set to any
-- tender so that it could follow its payment's corrected method: an operator's update of a card payment's refund to
-- bank transfer was taken, the day's expected card and bank transfer totals (and the dashboard's) then off by it
-- with no money moved, the very refund in another tender than its payment's that tg_refund__of_its_payment (000373)
-- refuses when one is inserted. Now a refund's method changes only to its payment's (INVALID_INPUT otherwise). So
-- that the payment's refunds find its corrected method on its row, tg_payment__method_to_refunds runs AFTER the
-- payment's update (it ran BEFORE it), still before the payment's audit (_490, _500): its locks in the same order.
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
  -- the tender it left in is its payment's: it follows the payment's corrected method (tg_payment__method_to_refunds, after
  -- the payment's row is written), and is set to no other
  if new.method is distinct from old.method and exists (
      select from app_public.payment p
      where p.clinic_id = new.clinic_id and p.id = new.payment_id and p.method is distinct from new.method) then
    raise exception 'A refund is in its payment''s method: correct the payment''s method, and its refunds follow it.' using errcode = 'CINVL';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_refund__guard() from public;
comment on function app_private.tg_refund__guard() is
  'BEFORE UPDATE: a refund''s payment, invoice, amount, time and idempotency key never change (INVALID_INPUT), as a payment''s never do (tg_payment__guard); its method changes only to its payment''s, as it follows a correction of the payment''s (tg_payment__method_to_refunds; INVALID_INPUT otherwise), and its reason may be corrected.';
drop trigger if exists _310_method_to_refunds on app_public.payment;
create trigger _310_method_to_refunds after update of method on app_public.payment
  for each row when (old.method is distinct from new.method) execute function app_private.tg_payment__method_to_refunds();
comment on function app_private.tg_payment__method_to_refunds() is
  'AFTER UPDATE OF method on payments: the payment''s refunds take the corrected method (the tender they left in; tg_refund__guard lets a refund take its payment''s method alone, so it runs once the payment''s row holds it), so expected totals and rollups per method stay right; a refund on a closed day makes the correction DAY_CLOSED. Before the payment''s audit (_490, _500), so its locks come in the order of a day''s close.';
