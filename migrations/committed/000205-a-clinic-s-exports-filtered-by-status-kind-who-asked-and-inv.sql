--! Previous: sha1:f4bbe893c7421c50ec230fb353652c7229d7f574
--! Hash: sha1:d976e7ff2ad5207cb51b3740b378863b4ccdd6e8
--! Message: a clinic's exports filtered by status, kind, who asked and invoice

-- A clinic's exports are filtered by what a screen asks: its status (ready to download, still
-- running), its kind, who asked (my downloads, and how many of the 10 a person may have waiting are
-- taken) and its invoice (is there a PDF of this invoice already). The list had filters on its clinic,
-- time and id alone, so a client paged through every export of the clinic and sorted them itself.
-- Who asked and which invoice are indexed within the clinic (the invoice's index also serves its
-- foreign key, 000203); status and kind are read within the clinic's exports, newest first.

create index if not exists report_export_clinic_requester_idx on app_public.report_export (clinic_id, requested_by, requested_at);
comment on index app_public.report_export_clinic_requester_idx is 'A clinic''s exports by who asked, newest first: the list filtered by requestedBy.';
create index if not exists report_export_clinic_invoice_idx on app_public.report_export (clinic_id, invoice_id) where invoice_id is not null;
comment on index app_public.report_export_clinic_invoice_idx is 'An invoice''s PDFs: the list filtered by invoiceId, and the invoice''s foreign key.';

comment on column app_public.report_export.kind is E'@behavior +filterBy\nWhat is exported.';
comment on column app_public.report_export.status is E'@behavior +filterBy\nqueued, running, done, failed or expired.';
comment on column app_public.report_export.requested_by is E'@behavior +filterBy\nWho asked for it.';
comment on column app_public.report_export.invoice_id is E'@behavior +filterBy\nThe invoice, for an invoice_pdf.';
