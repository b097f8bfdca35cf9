--! Previous: sha1:e3584bfd713eb1823106ca7f856ab04b50352f51
--! Hash: sha1:570d3db723188482b89e41f22b2471c8ac080259
--! Message: Codes sorted in number order, past 999999 too

-- Codes sorted in number order, past 999999 too
--
-- Codes grow past six digits (PAT-1000000 after PAT-999999, next_code), but every list ordered by code sorted them as
-- text: patients, services, visits, invoices, payments, refunds and money movements by CODE_ASC put PAT-1000000 before
-- PAT-999999 (right after PAT-100000), page after page, and the patients and invoices CSV exports did the same (a busy
-- clinic passes a million visits or invoices in about ten years). Now codes sort in app_hidden.digits_as_numbers, ICU's
-- root order with digits compared as numbers: PAT-999999, PAT-1000000, each prefix's codes together (a prefix the clinic
-- had before included: its codes keep it), through the @sortCollation smart tag of each code column (server/
-- sort-collation.ts, as names sort in und-x-icu since 000133), whose cursors compare in it too, and in export_order.
-- Each table's codes get an index in that order, so a list by code is still read from an index; the unique keys stay
-- as they are (the collation is deterministic: two codes are equal in it only when they are the same text).
create collation if not exists app_hidden.digits_as_numbers (provider = icu, locale = 'und-u-kn-true');
comment on collation app_hidden.digits_as_numbers is 'ICU''s root order with digits compared as numbers (und-u-kn-true): codes in number order, PAT-999999 before PAT-1000000, each prefix''s codes together. Deterministic (equal only when the same text). Lists sort codes in it (@sortCollation on each code column), with an index of each table''s codes in it.';

comment on column app_public.patient.code is E'@sortCollation app_hidden.digits_as_numbers\nHuman-readable code, PAT-000001, allocated by the database; sorted in number order (PAT-999999, then PAT-1000000).';
comment on column app_public.service.code is E'@sortCollation app_hidden.digits_as_numbers\nHuman-readable code, SRV-000001, allocated by the database; sorted in number order (SRV-999999, then SRV-1000000).';
comment on column app_public.visit.code is E'@sortCollation app_hidden.digits_as_numbers\nHuman-readable code, VIS-000001, allocated by the database; sorted in number order (VIS-999999, then VIS-1000000).';
comment on column app_public.invoice.code is E'@sortCollation app_hidden.digits_as_numbers\nInvoice number, INV-000001, consecutive without gaps per clinic; sorted in number order (INV-999999, then INV-1000000).';
comment on column app_public.payment.code is E'@sortCollation app_hidden.digits_as_numbers\nHuman-readable code, PAY-000001; sorted in number order (PAY-999999, then PAY-1000000).';
comment on column app_public.refund.code is E'@sortCollation app_hidden.digits_as_numbers\nHuman-readable code, REF-000001; sorted in number order (REF-999999, then REF-1000000).';
comment on column app_public.money_movement.code is E'@behavior +filterBy +orderBy\n@sortCollation app_hidden.digits_as_numbers\nThe payment''s or the refund''s code (PAY-000001, REF-000001); sorted in number order (PAY-999999, then PAY-1000000).';

-- each table's codes in that order: patient_clinic_code_idx, service_clinic_code_idx, visit_clinic_code_idx,
-- invoice_clinic_code_idx, payment_clinic_code_idx, refund_clinic_code_idx
do $$
declare
  v_table text;
begin
  foreach v_table in array array['patient', 'service', 'visit', 'invoice', 'payment', 'refund'] loop
    execute format('create index if not exists %I on app_public.%I (clinic_id, code collate app_hidden.digits_as_numbers)', v_table || '_clinic_code_idx', v_table);
    execute format('comment on index app_public.%I is %L', v_table || '_clinic_code_idx',
      format('A clinic''s %ss in the order of their codes'' numbers (digits_as_numbers): %ss by CODE.', v_table, v_table));
  end loop;
end;
$$;

-- The CSV exports' codes in number order
--
-- The patients and invoices exports were sorted by code as text, and the visits and payments exports broke a tie by
-- it: a period's export past 999999 listed INV-1000000 between INV-100000 and INV-100001. Their codes now sort in
-- app_hidden.digits_as_numbers, as the API's lists do.
create or replace function app_private.export_order(kind app_public.export_kind) returns text
language sql immutable
as $$
  select case kind
    when 'patients_csv' then 'p.code collate app_hidden.digits_as_numbers'
    when 'visits_csv' then 'v.scheduled_at, v.code collate app_hidden.digits_as_numbers'
    when 'invoices_csv' then 'i.code collate app_hidden.digits_as_numbers'
    when 'payments_csv' then 'm.business_date, m.moved_at, m.code collate app_hidden.digits_as_numbers'
  end;
$$;
comment on function app_private.export_order(app_public.export_kind) is 'The ORDER BY of each CSV export, over export_rows''s query: patients and invoices by code, visits by time then code, payments and refunds by business day, then the moment they moved (not its wall-clock time, which repeats an hour on the day clocks go back), then code; codes in number order (app_hidden.digits_as_numbers: INV-999999, then INV-1000000).';
