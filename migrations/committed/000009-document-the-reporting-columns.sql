--! Previous: sha1:d9fe5d9025805889e4fe41763f7c00adfcba9ca1
--! Hash: sha1:6978e10561cfce70ee9afd65e9265915a28243ad
--! Message: document the reporting columns

--! split: 080-reporting-comments.sql
-- Analysts read these comments in their SQL tools: every reporting column says what it holds.
comment on column reporting.visits.clinic_id is 'The clinic.';
comment on column reporting.visits.clinic_name is 'The clinic''s name.';
comment on column reporting.visits.code is 'Visit code (VIS-…).';
comment on column reporting.visits.status is 'scheduled, checked_in, in_progress, completed, cancelled or no_show.';
comment on column reporting.visits.scheduled_at is 'When the visit was booked for.';
comment on column reporting.visits.checked_in_at is 'When the patient checked in.';
comment on column reporting.visits.started_at is 'When the consultation started.';
comment on column reporting.visits.completed_at is 'When the visit was completed.';
comment on column reporting.visits.cancelled_at is 'When it was cancelled.';
comment on column reporting.visits.cancel_reason is 'Why it was cancelled.';
comment on column reporting.visits.patient_code is 'The patient''s code (no names in reporting).';
comment on column reporting.visits.doctor_name is 'The doctor.';
comment on column reporting.visits.services_value is 'Value of the visit''s services: quantity × unit price − discount.';
comment on column reporting.invoices.clinic_id is 'The clinic.';
comment on column reporting.invoices.clinic_name is 'The clinic''s name.';
comment on column reporting.invoices.code is 'Invoice number (INV-…).';
comment on column reporting.invoices.status is 'draft, issued, partially_paid, paid or void.';
comment on column reporting.invoices.currency is 'ISO 4217 currency of the amounts.';
comment on column reporting.invoices.subtotal is 'Sum of quantity × unit price.';
comment on column reporting.invoices.discount_total is 'Sum of discounts.';
comment on column reporting.invoices.tax_total is 'Sum of tax.';
comment on column reporting.invoices.total is 'subtotal − discounts + tax.';
comment on column reporting.invoices.amount_paid is 'Payments minus refunds.';
comment on column reporting.invoices.balance is 'What is still owed.';
comment on column reporting.invoices.issued_at is 'When it was issued.';
comment on column reporting.invoices.voided_at is 'When it was voided.';
comment on column reporting.invoices.void_reason is 'Why it was voided.';
comment on column reporting.invoices.patient_code is 'The patient''s code.';
comment on column reporting.invoices.visit_code is 'The visit it bills, if any.';
comment on column reporting.payments.clinic_id is 'The clinic.';
comment on column reporting.payments.clinic_name is 'The clinic''s name.';
comment on column reporting.payments.kind is 'payment or refund.';
comment on column reporting.payments.code is 'PAY-… or REF-… code.';
comment on column reporting.payments.invoice_code is 'The invoice.';
comment on column reporting.payments.method is 'cash, card, bank_transfer, mobile_money or insurance.';
comment on column reporting.payments.amount is 'Positive for a payment, negative for a refund.';
comment on column reporting.payments.happened_at is 'When the money moved.';
comment on column reporting.payments.business_date is 'The clinic''s business day it counts on.';
comment on column reporting.daily_revenue.clinic_id is 'The clinic.';
comment on column reporting.daily_revenue.clinic_name is 'The clinic''s name.';
comment on column reporting.daily_revenue.business_date is 'The business day.';
comment on column reporting.daily_revenue.method is 'The tender.';
comment on column reporting.daily_revenue.payments is 'Payments received.';
comment on column reporting.daily_revenue.refunds is 'Refunds given (positive).';
comment on column reporting.daily_revenue.net is 'payments − refunds.';
comment on column reporting.reconciliations.clinic_id is 'The clinic.';
comment on column reporting.reconciliations.clinic_name is 'The clinic''s name.';
comment on column reporting.reconciliations.business_date is 'The business day.';
comment on column reporting.reconciliations.status is 'open or closed.';
comment on column reporting.reconciliations.expected_cash is 'Cash expected (payments − refunds).';
comment on column reporting.reconciliations.expected_card is 'Card expected.';
comment on column reporting.reconciliations.expected_bank_transfer is 'Bank transfers expected.';
comment on column reporting.reconciliations.expected_mobile_money is 'Mobile money expected.';
comment on column reporting.reconciliations.expected_insurance is 'Insurance expected.';
comment on column reporting.reconciliations.expected_total is 'All tenders expected.';
comment on column reporting.reconciliations.counted_total is 'All tenders counted.';
comment on column reporting.reconciliations.cash_difference is 'Counted cash − expected cash.';
comment on column reporting.reconciliations.difference is 'Counted total − expected total.';
comment on column reporting.reconciliations.notes is 'The cashier''s notes.';
comment on column reporting.reconciliations.closed_at is 'When the day was closed.';
comment on column reporting.reconciliations.reopened_at is 'When it was last reopened.';
comment on column reporting.reconciliations.reopen_reason is 'Why.';
