--! Previous: sha1:6d6c0f9b73145ad09cd04dc6ae3385982af4f723
--! Hash: sha1:bd781b3f92eb5911cbb4d926481b37a69be25581
--! Message: An invoice number is given back only for an invoice that stays: the invoice found is held until the insert ends

-- An invoice's number is given back only for an invoice that stays there
--
-- tg_invoice__number_given_back (000433) gave a new invoice's number back when an invoice of its clinic had its id or
-- idempotency key, read as the trigger ran; but that invoice could be on its way out, its key corrected or the row
-- deleted by an operator's psql not yet committed. The insert then waited for it and, once it committed, made its row
-- after all, with the number it had given back: the counter was left below a number an invoice holds, and every invoice
-- the clinic made after it took that number again and failed on the code's uniqueness, until an operator set the counter
-- right. The invoice found is now locked (FOR KEY SHARE, which a change of its id or key and a delete take turns with)
-- as it is read: one such change in flight is waited for and the invoice read again, as it then is; one that no longer
-- has the id or key keeps the number on the row the insert makes, and one found stays as it is until the insert's
-- transaction ends, so the row is not made (skipped, updated, or refused) and its number is the one given back.
create or replace function app_private.tg_invoice__number_given_back()
 returns trigger
 language plpgsql
 security definer
 set search_path to 'pg_catalog', 'public', 'pg_temp'
 set "clinicops.include_deleted" to 'off'
 set "clinicops.every_clinic" to 'off'
 set "clinicops.reinvitation" to 'off'
as $function$
begin
  -- its number stays on the row, which is not made: a plain insert fails on the id's or the key's constraint as before;
  -- the invoice found is held as it is (its id and key, and the row), so that the insert cannot make its row after all
  perform from app_public.invoice i
  where i.clinic_id = new.clinic_id and (i.id = new.id or i.idempotency_key = new.idempotency_key)
  for key share;
  if found then
    update app_private.code_counter c set last_value = c.last_value - 1 where c.clinic_id = new.clinic_id and c.prefix = 'INV';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_invoice__number_given_back() from public;
comment on function app_private.tg_invoice__number_given_back() is
  'BEFORE INSERT on invoices, just after the number is taken (tg__assign_code): a row with the id or the idempotency key of an invoice of its clinic, which the insert does not make (ON CONFLICT skips it or updates that invoice; a plain insert fails), gives its number back to the clinic''s counter (locked by next_code until commit, the number the last taken), so an import run again leaves no gap; the row keeps the number, a plain insert of it failing on the id''s or the key''s constraint as before. The invoice found is locked FOR KEY SHARE (000439): a change of its id or key or its delete in flight is waited for, and an invoice that then no longer has them gives nothing back (the row is made, with its number), so the counter is never left below a number an invoice holds.';
