--! Previous: sha1:f080339a333dbba2684fcac05178d3a8f4e2f080
--! Hash: sha1:860778ecfc9c5633fb96d08b24d2587283ee6beb
--! Message: each who-did-it stamp reads its member by one rule

-- Each who-did-it stamp reads its member by one rule, not 39 tags
--
-- The relations of 000224 (`checkedInByMember`, `createdByMember`…: each stamp of a clinic's row to
-- membership (clinic_id, user_id)) were one `@foreignKey` smart tag per stamp, repeated over 14 comments, and a
-- stamp added later had no member until someone wrote its tag. The API now derives them from the columns
-- themselves (server/stamp-members.ts: every uuid `…_by` column of an app_public table or view with `clinic_id`,
-- and the clinic's own, by its `id`), with the same names, descriptions and behaviours; the comments keep
-- their other tags and their text.

comment on table app_public.invoice is E'@behavior -delete\nAn invoice to a patient, in the clinic''s currency. Create it with createInvoiceFromVisit or createInvoice and lines; issueInvoice, then payments move it to partially_paid and paid; voidInvoice ends it.';
comment on table app_public.invoice_line is E'@defaultOrderBy INVOICE_ID_ASC,POSITION_ASC\nA line of an invoice. Lines change only while the invoice is a draft. Listed by invoice, and within an invoice in the order they were added.';
comment on table app_public.patient is E'@behavior -delete\nA patient of the clinic. Delete with deletePatient (soft delete: hidden, kept), bring back with restorePatient.';
comment on table app_public.daily_reconciliation is E'@behavior -insert -delete\n@defaultOrderBy BUSINESS_DATE_DESC\nThe cash-up of one business day: expected per method (payments minus refunds), counted, difference. Opened by the worker; closeDay / reopenDay. Listed newest day first unless asked otherwise.';
comment on table app_public.clinic is E'A clinic: the tenant. Everything a clinic owns carries its id.';
comment on table app_public.service is E'@behavior -delete\nA service in the clinic''s catalog (consultation, test, procedure). Delete with deleteService (soft delete), bring back with restoreService.';
comment on table app_public.membership is E'@behavior -delete\n@defaultOrderBy FULL_NAME_ASC,ROLE_ASC,PRIMARY_KEY_ASC\n@unique clinic_id,user_id|@behavior -single -update -delete\nA user''s role in a clinic, listed by the member''s name. Removing a member soft-deletes the membership (see removeMember / restoreMember).';
comment on table app_public.payment is E'@behavior -insert -delete\n@defaultOrderBy RECEIVED_AT_ASC,CODE_ASC\nMoney received against an invoice. Take payments with recordPayment; refunds are their own rows. Listed in the order they were received (at the same time, by code).';
comment on table app_public.refund is E'@behavior -insert -update -delete\n@defaultOrderBy REFUNDED_AT_ASC,CODE_ASC\nMoney given back from a payment, by refundPayment. It counts against its own business day. Listed in the order they were given back (at the same time, by code).';
comment on table app_public.report_export is E'@behavior -insert -update -delete\n@defaultOrderBy REQUESTED_AT_DESC\nA requested export file: requestExport creates it, the worker fills it in, GET /exports/:id downloads it. Listed newest first.';
comment on table app_public.visit is E'@behavior -delete\nA patient''s visit to a doctor. Change `status` to move it along its lifecycle; cancel it rather than deleting it.';
comment on table app_public.visit_service is E'@defaultOrderBy VISIT_ID_ASC,POSITION_ASC\nA service given during a visit, with the unit price it had in the catalog at that moment. Listed by visit, and within a visit in the order the services were added.';
comment on table app_public.service_price is E'@behavior -insert -update -delete\n@defaultOrderBy SERVICE_ID_ASC,EFFECTIVE_FROM_ASC\nThe price history of a service, written by the database whenever the price changes; listed in the order the prices took effect.';
comment on view app_public.money_movement is E'@behavior +connection -list\n@primaryKey clinic_id,kind,movement_id\n@defaultOrderBy MOVED_AT_ASC,CODE_ASC\n@foreignKey (clinic_id,invoice_id) references app_public.invoice (clinic_id,id)|@fieldName invoice|@foreignFieldName moneyMovements\n@foreignKey (clinic_id,payment_id) references app_public.payment (clinic_id,id)|@fieldName payment|@foreignFieldName moneyMovements\nEvery payment (positive) and refund (negative) with its business day, method, code, time and the invoice''s doctor: sum `amount` for net revenue, list them for a cash-up (in the order the money moved, page after page). Visible to those who handle money.';
