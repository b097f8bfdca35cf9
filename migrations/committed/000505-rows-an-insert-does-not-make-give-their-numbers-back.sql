--! Previous: sha1:7e3757ebc17da82748d4cb677fda713eab83e936
--! Hash: sha1:e47c8db82b70a61625ccbae9db8d942149f72158
--! Message: rows an insert does not make give their numbers back

-- A patient, service, visit, payment or refund an insert makes no row for gives its number back
--
-- tg__assign_code numbers a new row in a BEFORE INSERT trigger, which runs for every row an INSERT proposes, also for
-- one that ON CONFLICT then skips (DO NOTHING) or turns into an update of the row already there (DO UPDATE). The
-- invoices gave such a number back since they were numbered without gaps for their auditors (tg_invoice__number_given_back),
-- but the other kinds of code did not: an operator's import of patients, services, visits, payments or refunds run again
-- (keyed by each row's old number as its idempotency key, or by its id) took a number for each row it had made already,
-- and the clinic's next patient came after the gap (two numbers missing), where the codes are documented
-- gap-free, a payment's missing number read as a payment hidden. Now a new row of these tables that has the id or the
-- idempotency key of one of its clinic's rows (the conflict ON CONFLICT finds next; a plain insert of it fails, as
-- before) gives its number back at once, as an invoice does: the counter's lock, held since the number was taken, makes
-- every row made before it committed and visible here, and no number taken after it. The row found is held for key
-- share, so that a change of its key or id in flight is waited for, and one that then no longer has them gives nothing
-- back (the row is made, with its number). A deleted patient or service is found too: its id and key are still taken.
-- Invoices take this function too, in place of the one of their own it was made from.
create or replace function app_private.tg__number_given_back()
 returns trigger
 language plpgsql
 security definer
 set search_path to 'pg_catalog', 'public', 'pg_temp'
 set "clinicops.include_deleted" to 'on'
 set "clinicops.every_clinic" to 'off'
 set "clinicops.reinvitation" to 'off'
as $function$
declare
  v_taken boolean;
begin
  -- its number stays on the row, which is not made: a plain insert fails on the id's or the key's constraint as before;
  -- the row found is held as it is (its id and key), so that the insert cannot make its row after all. A query per
  -- table, not one made by format(): each planned once per connection (decision 012), at every row an insert makes
  case tg_table_name
    when 'patient' then
      perform from app_public.patient t
      where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key) for key share;
      v_taken := found;
    when 'service' then
      perform from app_public.service t
      where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key) for key share;
      v_taken := found;
    when 'visit' then
      perform from app_public.visit t
      where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key) for key share;
      v_taken := found;
    when 'payment' then
      perform from app_public.payment t
      where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key) for key share;
      v_taken := found;
    when 'refund' then
      perform from app_public.refund t
      where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key) for key share;
      v_taken := found;
    when 'invoice' then
      perform from app_public.invoice t
      where t.clinic_id = new.clinic_id and (t.id = new.id or t.idempotency_key = new.idempotency_key) for key share;
      v_taken := found;
  end case;
  if v_taken then
    update app_private.code_counter c set last_value = c.last_value - 1 where c.clinic_id = new.clinic_id and c.prefix = tg_argv[0];
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg__number_given_back() from public;
comment on function app_private.tg__number_given_back() is
  'BEFORE INSERT on patients, services, visits, payments, refunds and invoices, just after the code is taken (tg__assign_code, its prefix the argument): a row with the id or the idempotency key of a row of its table and clinic (a deleted one too), which the insert does not make (ON CONFLICT skips it or updates that row; a plain insert fails), gives its number back to the clinic''s counter (locked by next_code until commit, the number the last taken), so an import run again leaves no gap; the row keeps the number, a plain insert of it failing on the id''s or the key''s constraint as before. The row found is locked FOR KEY SHARE: a change of its id or key in flight is waited for, and a row that then no longer has them gives nothing back (the row is made, with its number), so the counter is never left below a number a row holds. Invoices too, which had a function of their own.';
do $do$
declare
  v_table record;
begin
  for v_table in select * from (values ('patient', 'PAT'), ('service', 'SRV'), ('visit', 'VIS'), ('payment', 'PAY'), ('refund', 'REF'), ('invoice', 'INV')) t(name, prefix) loop
    execute format('drop trigger if exists _115_number_given_back on app_public.%I', v_table.name);
    execute format('create trigger _115_number_given_back before insert on app_public.%I
      for each row execute function app_private.tg__number_given_back(%L)', v_table.name, v_table.prefix);
    execute format('comment on trigger _115_number_given_back on app_public.%I is %L', v_table.name,
      format('A row of %s an insert does not make gives its number back (tg__number_given_back).', v_table.name));
  end loop;
end;
$do$;
drop function if exists app_private.tg_invoice__number_given_back();
