--! Previous: sha1:d84fc9f1341b2d6e7db117a6c24e3f066e2a4414
--! Hash: sha1:1ad7ed4ae2db0b0976061fb09516dc64b2334919
--! Message: An invoice PDF's invoice is of the export's clinic by a foreign key, as every other reference between tenant tables is (request_export checked it, nothing else held it); not a relation of the API

-- An invoice PDF's invoice is of the export's clinic by a foreign key, as every other reference
-- between tenant tables is: request_export checked it, and nothing else held it.
alter table app_public.report_export drop constraint if exists report_export_clinic_id_invoice_id_fkey;
alter table app_public.report_export add constraint report_export_clinic_id_invoice_id_fkey
  foreign key (clinic_id, invoice_id) references app_public.invoice (clinic_id, id);
comment on constraint report_export_clinic_id_invoice_id_fkey on app_public.report_export is E'@behavior -*\nAn invoice PDF''s invoice, of the export''s clinic (request_export refuses another first, NOT_FOUND); not a relation of the API.';
