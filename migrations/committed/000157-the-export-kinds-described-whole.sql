--! Previous: sha1:b14dd46ff0ed4a69eeaf91f1a30716da4a6054dc
--! Hash: sha1:67f32b50c8acaedd161d28169d7f16cc941b9c2b
--! Message: the export kinds described whole

-- The export kinds' description names the PDFs too (it said CSV only since 000006 added them).

comment on type app_public.export_kind is 'What to export: patients, visits, invoices or payments (and refunds) of a period, as CSV (patients_csv, visits_csv, invoices_csv, payments_csv); or a PDF: an invoice (invoice_pdf), a business day''s reconciliation (reconciliation_pdf) or a month''s summary (monthly_summary_pdf).';
