--! Previous: sha1:4fc93f60566c260fcc96606ca7f653a80d9666d8
--! Hash: sha1:961738f5b3676e0128e49692cecb27cf26d351ae
--! Message: A payment's reference corrected is kept as one taken is: trimmed, blank none

-- A payment's reference corrected is kept as one taken is: trimmed, blank none
--
-- updatePayment stored the reference as typed ("  ", "" or with spaces around it), while recordPayment
-- trims it and takes a blank one as none: a corrected slip number printed with its spaces, or an empty
-- reference shown where none was meant, and a retry of the payment compared with it differed. The payment's
-- BEFORE UPDATE guard now keeps it as recordPayment does (nullif(btrim(reference), '')).
create or replace function app_private.tg_payment__guard() returns trigger
  language plpgsql
  as $$
begin
  if (new.invoice_id, new.amount, new.received_at, new.idempotency_key) is distinct from
     (old.invoice_id, old.amount, old.received_at, old.idempotency_key) then
    raise exception 'A payment''s invoice, amount and time never change: refund it instead.' using errcode = 'CINVL';
  end if;
  -- as record_payment keeps it: trimmed, blank none
  new.reference := nullif(btrim(new.reference), '');
  return new;
end;
$$;

comment on function app_private.tg_payment__guard() is 'BEFORE UPDATE: only the method and reference of a payment may be corrected; the reference kept as record_payment keeps it (trimmed, blank none).';
