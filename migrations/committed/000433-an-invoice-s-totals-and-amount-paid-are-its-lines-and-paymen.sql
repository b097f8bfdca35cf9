--! Previous: sha1:9a572f0bf0a66f689d3668b51f508b0faa38ef47
--! Hash: sha1:33c6ffaeb3101440e8990ddc7c52a6565f549577
--! Message: An invoice's totals and amount paid are its lines' and payments' even written by hand, and an insert that makes no invoice gives its number back

-- An invoice's totals are its lines', and its amount paid its payments less its refunds
--
-- The database kept an invoice's subtotal, discounts, tax and total from its lines (refresh_invoice_totals) and its
-- amount paid from its payments and refunds (refresh_amount_paid), but took any other value written to them: from an
-- operator's psql, a balance "corrected" by writing the total or the amount paid was kept, an issued invoice then
-- owing what its lines (the PDF's) do not add up to, or marked paid with no payment any day's count holds, and a draft
-- was given an amount paid with no payment at all (only the range, 0 to the total, was held: invoice_check). Now
-- such a write is refused (INVALID_INPUT), saying what to change instead, as a payment's amount or a line moved to
-- another invoice are (000372, 000374); an invoice is made with no totals, its lines giving them. The database's own
-- writes give the sums the check reads: the lines and payments of the invoice, under the invoice's lock they took.
create or replace function app_private.tg_invoice__amounts_kept()
 returns trigger
 language plpgsql
 set search_path to 'pg_catalog', 'public', 'pg_temp'
as $function$
declare
  -- an invoice being made has no lines, payments or refunds yet: its amounts are 0; one changed is read from them
  v_totals_written boolean := tg_op = 'INSERT' or (new.subtotal, new.discount_total, new.tax_total, new.total)
                                                  is distinct from (old.subtotal, old.discount_total, old.tax_total, old.total);
  v_paid_written boolean := tg_op = 'INSERT' or new.amount_paid is distinct from old.amount_paid;
  v_subtotal numeric := 0;
  v_discount numeric := 0;
  v_tax numeric := 0;
  v_total numeric := 0;
  v_paid numeric := 0;
begin
  if v_totals_written and tg_op = 'UPDATE' then
    select coalesce(sum(l.line_subtotal), 0), coalesce(sum(l.discount), 0), coalesce(sum(l.line_tax), 0), coalesce(sum(l.line_total), 0)
    into v_subtotal, v_discount, v_tax, v_total
    from app_public.invoice_line l where l.clinic_id = new.clinic_id and l.invoice_id = new.id;
  end if;
  if v_totals_written and (new.subtotal, new.discount_total, new.tax_total, new.total) is distinct from (v_subtotal, v_discount, v_tax, v_total) then
    raise exception 'An invoice''s subtotal, discounts, tax and total are what its lines come to: change its lines (on a draft), not its totals.'
      using errcode = 'CINVL';
  end if;
  if v_paid_written and tg_op = 'UPDATE' then
    v_paid := coalesce((select sum(p.amount) from app_public.payment p where p.clinic_id = new.clinic_id and p.invoice_id = new.id), 0)
            - coalesce((select sum(r.amount) from app_public.refund r where r.clinic_id = new.clinic_id and r.invoice_id = new.id), 0);
  end if;
  if v_paid_written and new.amount_paid is distinct from v_paid then
    raise exception 'An invoice''s amount paid is its payments less its refunds: record a payment or a refund, not the amount.'
      using errcode = 'CINVL';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_invoice__amounts_kept() from public;
comment on function app_private.tg_invoice__amounts_kept() is
  'BEFORE INSERT or UPDATE of an invoice''s totals or amount paid: its subtotal, discount_total, tax_total and total are the sums of its lines'' (as refresh_invoice_totals writes them), and its amount_paid its payments less its refunds (as refresh_amount_paid writes it), a new invoice''s all 0; any other value, written from an operator''s psql, is INVALID_INPUT. Each is read only when it changes (a line''s description or an invoice''s notes read nothing more).';
drop trigger if exists _210_amounts_kept on app_public.invoice;
create trigger _210_amounts_kept before insert or update of subtotal, discount_total, tax_total, total, amount_paid on app_public.invoice
  for each row execute function app_private.tg_invoice__amounts_kept();
comment on trigger _210_amounts_kept on app_public.invoice is
  'An invoice''s totals are its lines'' and its amount paid its payments less its refunds (tg_invoice__amounts_kept).';

-- An invoice an insert makes no row for gives its number back
--
-- tg__assign_code numbers a new invoice in a BEFORE INSERT trigger, which runs for every row an INSERT proposes, also
-- for one that ON CONFLICT then skips (DO NOTHING) or turns into an update of the invoice already there (DO UPDATE):
-- an operator's import from the old system run again (keyed by each invoice's old number, or by its id) took a number
-- for each invoice it had made already, and the clinic's next invoice came after the gap (INV-000003 missing), which
-- an auditor reads as an invoice hidden. Now a new invoice that has the id or the idempotency key of one of its
-- clinic's invoices (the conflict ON CONFLICT finds next; a plain insert of it fails, as before) gives its number
-- back at once: the counter's lock, held since the number was taken, makes every invoice made before it committed and
-- visible here, and no number taken after it.
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
  -- its number stays on the row, which is not made: a plain insert fails on the id's or the key's constraint as before
  if exists (select from app_public.invoice i
             where i.clinic_id = new.clinic_id and (i.id = new.id or i.idempotency_key = new.idempotency_key)) then
    update app_private.code_counter c set last_value = c.last_value - 1 where c.clinic_id = new.clinic_id and c.prefix = 'INV';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_invoice__number_given_back() from public;
comment on function app_private.tg_invoice__number_given_back() is
  'BEFORE INSERT on invoices, just after the number is taken (tg__assign_code): a row with the id or the idempotency key of an invoice of its clinic, which the insert does not make (ON CONFLICT skips it or updates that invoice; a plain insert fails), gives its number back to the clinic''s counter (locked by next_code until commit, the number the last taken), so an import run again leaves no gap; the row keeps the number, a plain insert of it failing on the id''s or the key''s constraint as before.';
drop trigger if exists _115_number_given_back on app_public.invoice;
create trigger _115_number_given_back before insert on app_public.invoice
  for each row execute function app_private.tg_invoice__number_given_back();
comment on trigger _115_number_given_back on app_public.invoice is
  'An invoice an insert makes no row for gives its number back (tg_invoice__number_given_back).';
