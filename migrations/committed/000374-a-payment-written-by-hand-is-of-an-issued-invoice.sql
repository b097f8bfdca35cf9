--! Previous: sha1:94e554572a21ab4de6f6244fb4a2b8c5240de752
--! Hash: sha1:e8a5cc312b51de29aab6a49afd685de20235598b
--! Message: A payment written by hand is of an issued invoice

-- A payment written by hand is of an issued invoice
--
-- record_payment takes no payment on a draft, but nothing held a payment inserted otherwise (an operator's psql): one
-- on a draft was taken, the draft then holding money paid while its lines, and so its total, still changed, and
-- numbered and issued later as if nothing had been paid before. Now such an insert is refused (INVALID_INPUT), as
-- record_payment refuses it; a void invoice's was already refused, its amount paid not written.
create or replace function app_private.tg_payment__invoice_issued()
 returns trigger
 language plpgsql
as $function$
begin
  if exists (select from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id and i.status = 'draft') then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_payment__invoice_issued() from public;
comment on function app_private.tg_payment__invoice_issued() is
  'BEFORE INSERT on payments: the invoice is not a draft (INVALID_INPUT, as record_payment tells first): the rule held for a payment written other than by record_payment (an operator''s psql).';
drop trigger if exists _120_invoice_issued on app_public.payment;
create trigger _120_invoice_issued before insert on app_public.payment
  for each row execute function app_private.tg_payment__invoice_issued();
