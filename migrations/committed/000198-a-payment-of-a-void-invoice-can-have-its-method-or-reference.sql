--! Previous: sha1:c64a84b2b9cc003a415593a29b6a74d961918063
--! Hash: sha1:c1d057266b58aa4dfc2858bcc48062750dca4bdf
--! Message: A payment of a void invoice can have its method or reference corrected

-- A payment of a void invoice could not have its method or reference corrected (a money tester's find): every
-- change of a payment or refund sets its invoice's amount_paid again, and the invoice's lifecycle refuses any
-- change of a void invoice ("A void invoice cannot change.", INVALID_TRANSITION), even to the amount it had. A
-- payment taken in cash on one day, refunded on another and its invoice voided, kept the wrong method in both
-- days' expected totals for good. The invoice is written only when what was paid changes.
create or replace function app_private.refresh_amount_paid(clinic_id uuid, invoice_id uuid) returns void
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_paid numeric := coalesce((select sum(p.amount) from app_public.payment p
                              where p.clinic_id = refresh_amount_paid.clinic_id and p.invoice_id = refresh_amount_paid.invoice_id), 0)
                  - coalesce((select sum(r.amount) from app_public.refund r
                              where r.clinic_id = refresh_amount_paid.clinic_id and r.invoice_id = refresh_amount_paid.invoice_id), 0);
begin
  update app_public.invoice i set amount_paid = v_paid
  where i.clinic_id = refresh_amount_paid.clinic_id and i.id = refresh_amount_paid.invoice_id
    and i.amount_paid is distinct from v_paid;
end;
$$;

comment on function app_private.refresh_amount_paid(clinic_id uuid, invoice_id uuid) is 'Sets an invoice''s amount_paid to its payments minus its refunds (its status follows), when that changes it: a correction of a payment''s method or reference leaves the invoice alone (a void one too).';
