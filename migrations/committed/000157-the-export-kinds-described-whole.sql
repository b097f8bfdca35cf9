--! Previous: sha1:ecbf8b8fa5bec17376233a7f58af0284e1c0fb80
--! Hash: sha1:d581022f2bbc9bb9ecd170207ac4cbd825c5d9d8
--! Message: the export kinds described whole

-- The export kinds' description names the PDFs too (it said CSV only since 000006 added them).

comment on type app_public.export_kind is 'What to export: patients, visits, invoices or payments (and refunds) of a period, as CSV (patients_csv, visits_csv, invoices_csv, payments_csv); or a PDF: an invoice (invoice_pdf), a business day''s reconciliation (reconciliation_pdf) or a month''s summary (monthly_summary_pdf).';
