--! Previous: sha1:1c968e4c97e7f2d484398b189daf289bed72259a
--! Hash: sha1:688d1a708061870cb59545963761d7f4dfa507f1
--! Message: the export kinds described whole

-- The export kinds' description names the PDFs too (it said CSV only since 000006 added them).

comment on type app_public.export_kind is 'What to export: patients, visits, invoices or payments (and refunds) of a period, as CSV (patients_csv, visits_csv, invoices_csv, payments_csv); or a PDF: an invoice (invoice_pdf), a business day''s reconciliation (reconciliation_pdf) or a month''s summary (monthly_summary_pdf).';
