--! Previous: sha1:88ab53ad51f1012dfeca21607bebb25fd1adfb30
--! Hash: sha1:45a48085335c81a58a7b6557db241f6575d93be1
--! Message: The waiting room, a page of payments of one method and the invoices that owe by code read the rows they answer

-- The waiting room, the payments of one method and the invoices that owe by code read their own rows
--
-- Under row-level security an enum's equality is no index condition and is priced without statistics (1/n of the
-- clinic's rows for each of n values), so a page in an order one of the clinic's indexes holds walked that index and
-- kept the value's rows, every row of the clinic when fewer than a page had it (000427). Three lists still did so:
-- the waiting room (`visits(condition: { status: checked_in }, orderBy: CHECKED_IN_AT_ASC)`) read
-- `visit_in_the_clinic_idx`, which holds the visits in progress too: a clinic that leaves visits in progress (billed
-- and never completed: an invoice takes a visit under way) had its waiting room read every one of them first, they
-- being the oldest by check-in (3,001 read for 7 waiting); a page of the payments of one method in their default
-- order (`payments(condition: { method: insurance })`, `RECEIVED_AT_ASC, CODE_ASC`) walked every payment of the
-- clinic by time (19,990 read for 10 by insurance); and the invoices that owe sorted by code (`CODE_ASC`,
-- `CODE_DESC`) walked the clinic's invoices by code. Each now has a partial index of its rows in its order, whose
-- predicate the value the API writes as a constant proves (server/enum-constants.ts): the checked-in visits by
-- check-in time (000425's index again, beside `visit_in_the_clinic_idx`, which the visits under way still read: one
-- entry more per check-in); the payments of each method by time, one index per method, which together hold one entry
-- per payment, as `payment_method_idx` (the clinic and the method, which under the policies served nothing the
-- clinic's other indexes do not) held and which goes (the API keeps filtering by `method`: `@behavior +filterBy`); and
-- the invoices that owe by code (an entry more for each version of an invoice that owes, as `invoice_owed_idx` has).
-- `visit_in_the_clinic_idx`'s comment says which list reads it now.
create index if not exists visit_waiting_room_idx on app_public.visit (clinic_id, checked_in_at) where status = 'checked_in';
comment on index app_public.visit_in_the_clinic_idx is 'A clinic''s visits whose patient is in the clinic now, checked in or with their doctor, in the order they arrived: the visits under way (`status: in_progress`, a constant the API writes into its statement: 000428), a few rows per clinic unless it leaves visits in progress. The waiting room (`status: checked_in`) read it too until 000431, and reads `visit_waiting_room_idx` now.';
comment on index app_public.visit_waiting_room_idx is 'A clinic''s checked-in visits, in the order they arrived: the waiting room (`status: checked_in`, a constant the API writes into its statement: 000425, 000431), a few rows per clinic whatever its history, the visits left in progress not among them (`visit_in_the_clinic_idx` holds both).';

create index if not exists payment_cash_idx on app_public.payment (clinic_id, received_at) where method = 'cash';
comment on index app_public.payment_cash_idx is 'A clinic''s cash payments in the order they were received: `payments(condition: { method: cash })` in its default order reads those alone (000431), where the clinic''s index by time read every payment until it had a page. One index per method.';
create index if not exists payment_card_idx on app_public.payment (clinic_id, received_at) where method = 'card';
comment on index app_public.payment_card_idx is 'A clinic''s card payments in the order they were received: `payments(condition: { method: card })` in its default order reads those alone (000431), where the clinic''s index by time read every payment until it had a page. One index per method.';
create index if not exists payment_bank_transfer_idx on app_public.payment (clinic_id, received_at) where method = 'bank_transfer';
comment on index app_public.payment_bank_transfer_idx is 'A clinic''s payments by bank transfer in the order they were received: `payments(condition: { method: bank_transfer })` in its default order reads those alone (000431), where the clinic''s index by time read every payment until it had a page. One index per method.';
create index if not exists payment_mobile_money_idx on app_public.payment (clinic_id, received_at) where method = 'mobile_money';
comment on index app_public.payment_mobile_money_idx is 'A clinic''s payments by mobile money in the order they were received: `payments(condition: { method: mobile_money })` in its default order reads those alone (000431), where the clinic''s index by time read every payment until it had a page. One index per method.';
create index if not exists payment_insurance_idx on app_public.payment (clinic_id, received_at) where method = 'insurance';
comment on index app_public.payment_insurance_idx is 'A clinic''s payments by insurance in the order they were received: `payments(condition: { method: insurance })` in its default order reads those alone (000431), where the clinic''s index by time read every payment until it had a page. One index per method.';
drop index if exists app_public.payment_method_idx;
comment on column app_public.payment.method is E'@behavior +filterBy\ncash, card, bank_transfer, mobile_money or insurance.';

create index if not exists invoice_owed_by_code_idx on app_public.invoice (clinic_id, code collate app_hidden.digits_as_numbers) where status in ('issued', 'partially_paid');
comment on index app_public.invoice_owed_by_code_idx is 'A clinic''s invoices that owe (issued or partially paid) in the order of their codes'' numbers: `invoices(filter: { status: { in: [issued, partially_paid] } }, orderBy: CODE_ASC)` or `CODE_DESC` (the status a constant the API writes) reads those alone (000431), where `invoice_clinic_code_idx` read the clinic''s invoices until it had a page.';
