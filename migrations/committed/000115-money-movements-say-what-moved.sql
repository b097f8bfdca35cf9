--! Previous: sha1:00ae332a3e9086c371fbbbf62ad077092f8890cd
--! Hash: sha1:37bc2eafa3b04a1978d4d2256f4809f7c997a8c9
--! Message: money movements say what moved

--------------------------------------------------------------------------------
-- A money movement says what moved: its code, when, by whom, its reference or reason, and links
-- to its invoice and payment.
--
-- `moneyMovements` had ids only (an exploratory tester, as a frontend developer): a cash-up
-- screen listing what was taken had to ask `payments` and `refunds` again for the codes and times.
-- The new columns come after the old ones (a view keeps its columns' places), and smart tags give
-- the view the relations its tables have.

create or replace view app_public.money_movement with (security_invoker = true) as
  select p.clinic_id, 'payment'::text as kind, p.id as movement_id, p.id as payment_id, p.invoice_id, i.doctor_id,
         p.business_date, p.method, p.amount,
         p.code, p.received_at as moved_at, p.received_by as moved_by, p.reference as note
  from app_public.payment p join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
  union all
  select r.clinic_id, 'refund'::text, r.id, r.payment_id, r.invoice_id, i.doctor_id,
         r.business_date, r.method, -r.amount,
         r.code, r.refunded_at, r.refunded_by, r.reason
  from app_public.refund r join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id;
comment on view app_public.money_movement is E'@behavior +connection -list\n@foreignKey (clinic_id,invoice_id) references app_public.invoice (clinic_id,id)|@fieldName invoice|@foreignFieldName moneyMovements\n@foreignKey (clinic_id,payment_id) references app_public.payment (clinic_id,id)|@fieldName payment|@foreignFieldName moneyMovements\nEvery payment (positive) and refund (negative) with its business day, method, code, time and the invoice''s doctor: sum `amount` for net revenue, list them for a cash-up. Visible to those who handle money.';
comment on column app_public.money_movement.code is E'@behavior +filterBy +orderBy\nThe payment''s or the refund''s code (PAY-000001, REF-000001).';
comment on column app_public.money_movement.moved_at is E'@behavior +filterBy +orderBy\nWhen the payment was received or the refund made.';
comment on column app_public.money_movement.moved_by is E'@behavior +groupBy +filterBy\nWho received the payment or made the refund (their user id).';
comment on column app_public.money_movement.note is 'The payment''s reference, or why the refund was made.';
