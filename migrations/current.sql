-- An invoice line's description of white space of any kind alone is refused, as one of spaces alone was
--
-- `invoice_line_description_check` trimmed with `btrim`, which takes off spaces only: a description of tabs,
-- line breaks, no-break or zero-width spaces alone was taken, and the invoice printed a line saying nothing.
-- The check now reads the description through `app_hidden.text_or_null` (white space of any kind, as free
-- texts are read since 000169), so such a line is refused under the same constraint and message; lines saved
-- before are left as they are (the constraint is validated only when none of them breaks it).
do $$
begin
  if not exists (
    select from pg_constraint
    where conrelid = 'app_public.invoice_line'::regclass and conname = 'invoice_line_description_check'
      and pg_get_constraintdef(oid) like '%text_or_null%'
  ) then
    alter table app_public.invoice_line drop constraint if exists invoice_line_description_check;
    alter table app_public.invoice_line add constraint invoice_line_description_check
      check (coalesce(char_length(app_hidden.text_or_null(description)), 0) between 1 and 300) not valid;
    if not exists (
      select from app_public.invoice_line
      where coalesce(char_length(app_hidden.text_or_null(description)), 0) not between 1 and 300
    ) then
      alter table app_public.invoice_line validate constraint invoice_line_description_check;
    end if;
  end if;
end
$$;

-- A typed text's control characters and direction overrides taken out in the CSV exports
--
-- A payment's reference, a patient's address, a visit's or cancel reason and an invoice's void reason keep what was
-- typed, control characters included (names lose them since 000156): a reference typed with an escape sequence
-- (ESC "[31m") was written to the payments CSV as it was, and coloured, moved or cleared a terminal that showed the
-- file, and a right-to-left override reversed the rest of its line there. `csv_safe` now takes out, before it
-- defuses formulas, the C0 controls but the tab, line feed and carriage return, DEL, the C1 controls and the
-- bidirectional embeddings, overrides and isolates, as `name_as_meant` does for names; so a formula behind an
-- escape ("\x1b=cmd…") is defused too. The rows keep the text as typed.
create or replace function app_private.csv_safe(value text) returns text
language sql immutable as $$
  select regexp_replace(
    regexp_replace(
      regexp_replace(
        regexp_replace(value, '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]', '', 'g'),
        '^([=+\-@\t\r\n])', '''\1'),
      '([;\t])(?=[=+\-@\t\r\n])', '\1''', 'g'),
    '([\r\n])([=+\-@\t])', '\1''\2', 'g');
$$;
comment on function app_private.csv_safe(text) is 'Makes a typed text safe in a CSV cell: takes out control characters but the tab, line feed and carriage return (an escape sequence coloured or cleared a terminal showing the file), DEL, C1 controls and bidirectional embeddings, overrides and isolates; then defuses spreadsheet formulas: a cell starting with = + - @ (or a tab, carriage return or line feed) gets a leading apostrophe, and so does what follows a `;` or a tab starting with one of them (where `;` or a tab separates cells, a cell starts there), and a line starting with = + - @ or a tab after a carriage return or line feed (where `;` separates cells, a quote is text and a line break starts a row).';

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
