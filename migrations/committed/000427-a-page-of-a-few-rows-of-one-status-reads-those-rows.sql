--! Previous: sha1:4a63ac950effc3c1bdf298ab2e43ef4053273544
--! Hash: sha1:fe6db2078d3a7cd6cd5ef27b843fc5c32ab0be50
--! Message: A page of a few rows of one status reads those rows

-- The lists of a few rows of one status are read from an index of those rows, in the list's order
--
-- Under row-level security PostgreSQL keeps a column's statistics from a condition it does not hold leakproof (an
-- enum's `enum_eq`, `enum_ne`), so it prices a status as holding 1/n of the clinic's rows (n the column's distinct
-- values: two statuses of five, 40%), whatever few rows it has. A page in a list's order was then read by walking the
-- clinic's index of that order and keeping the rows of the status, expecting one row in a few of it: a page of the
-- invoices that owe (`invoices(filter: { status: { in: [issued, partially_paid] } })`, by `invoice_pkey`), of the open
-- days (`dailyReconciliations(condition: { status: open })`, newest first) and of the exports waiting or running
-- (`reportExports(filter: { status: { in: [queued, running] } })`, newest first) read every invoice, day or export of
-- the clinic when fewer than a page had the status (29,960 invoices read for 40 that owe). Each list now has a partial
-- index of the rows of its status in its order, whose predicate the status the API writes as a constant proves
-- (server/enum-constants.ts): it holds those rows alone, so the planner prices it below the clinic's whole index of
-- that order, and the page reads its rows. A write adds an entry only for a row of the status (an invoice issued or
-- paid in part, a day opened, an export requested or started).
create index if not exists invoice_owed_idx on app_public.invoice (clinic_id, id) where status in ('issued', 'partially_paid');
comment on index app_public.invoice_owed_idx is 'A clinic''s invoices that owe (issued or partially paid) in the list''s own order, `clinic_id, id`: a page of `invoices(filter: { status: { in: [issued, partially_paid] } })` (the status a constant the API writes) reads those alone (000427), where `invoice_pkey` read the clinic''s invoices until it had a page.';
create index if not exists daily_reconciliation_open_idx on app_public.daily_reconciliation (clinic_id, business_date) where status = 'open';
comment on index app_public.daily_reconciliation_open_idx is 'A clinic''s open days, newest first: `dailyReconciliations(condition: { status: open })` (the status a constant the API writes) reads those alone (000427), where the index of the clinic''s days read all of them for the one or two still open.';
create index if not exists report_export_unfinished_newest_idx on app_public.report_export (clinic_id, requested_at) where status in ('queued', 'running');
comment on index app_public.report_export_unfinished_newest_idx is 'A clinic''s exports waiting or running, newest first: `reportExports(filter: { status: { in: [queued, running] } })` (the status a constant the API writes) reads those alone (000427), where the index of the clinic''s exports by `requested_at` read all of them for the few in progress. A person''s are counted by `report_export_unfinished_idx`.';
