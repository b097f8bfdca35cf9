--! Previous: sha1:481afe088fa44857eb451af60c291cc48cc780a2
--! Hash: sha1:f2e7d8b9201da129826097fb1926c4cc069b7d35
--! Message: A line added again under its key after a change of the catalog is the line added

-- A line added again under its key after a change of the catalog is the line added, what the retry gives compared
--
-- A retry of "add line" is the same request sent again, but what it left out (the description, the price, the tax
-- rate) was compared with the catalog and the invoice as they are now, not as the first line took them: a line added
-- under key k1 at the catalog's 5,000, then the service's price set to 6,000 (or the service renamed), and the
-- identical request sent again was told "This idempotency key was already used for a different invoice line." for
-- the line it had made. Now a retry is compared on what it gives: the invoice, the
-- service, the quantity (left out: 1) and the discount (left out: none) as before, since what leaving them out means
-- never changes; a description, unit price or tax rate only when the retry gives one (another value is CONFLICT as
-- before). One left out is taken as the first line took it, whatever the first request said: the line is kept, not
-- the request, so a price left out cannot be told from the catalog's price the first request left out, and answering
-- the line bills nothing twice and changes nothing (the answer shows the line as it is). A key not found among the
-- lines is looked up among those of deleted lines (the part above) before a line is added.
create or replace function app_public.create_invoice_line(invoice_line app_public.invoice_line) returns app_public.invoice_line
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_line app_public.invoice_line := create_invoice_line.invoice_line;
  v_first app_public.invoice_line;
  v_made app_public.invoice_line;
begin
  perform app_private.check_idempotency_key(v_line.idempotency_key, 'invoice line');
  if v_line.idempotency_key is not null then
    perform pg_advisory_xact_lock(hashtextextended('invoice_line_key:' || v_clinic || ':' || v_line.idempotency_key, 0));
    select * into v_first from app_public.invoice_line l where l.clinic_id = v_clinic and l.idempotency_key = v_line.idempotency_key;
    if v_first.id is not null then
      -- compared on what the retry gives: a description, price or tax rate left out is the first line's, as it took
      -- them from the catalog and the invoice then (they may have changed since); quantity and discount left out are 1 and none
      if (v_first.invoice_id, v_first.service_id, v_first.description, v_first.quantity, v_first.unit_price, v_first.discount, v_first.tax_rate)
         is distinct from (v_line.invoice_id, v_line.service_id, coalesce(v_line.description, v_first.description),
                           coalesce(v_line.quantity, 1)::numeric(12,3), coalesce(v_line.unit_price::numeric(16,3), v_first.unit_price),
                           coalesce(v_line.discount, 0)::numeric(16,3), coalesce(v_line.tax_rate, v_first.tax_rate)) then
        raise exception 'This idempotency key was already used for a different invoice line.' using errcode = 'CCONF';
      end if;
      return v_first; -- a retry: the line billed once
    end if;
    -- the line made under this key was deleted from its draft: a late retry does not bill it again
    if exists (select 1 from app_private.deleted_invoice_line_key k
               join app_public.invoice i on i.clinic_id = k.clinic_id and i.id = k.invoice_id
               where k.clinic_id = v_clinic and k.idempotency_key = v_line.idempotency_key) then
      raise exception 'The invoice line added with this idempotency key was deleted since: add it again with a new key if it is still meant.'
        using errcode = 'CCONF';
    end if;
  end if;
  insert into app_public.invoice_line (invoice_id, service_id, description, quantity, unit_price, discount, tax_rate, idempotency_key)
  values (v_line.invoice_id, v_line.service_id, v_line.description, coalesce(v_line.quantity, 1), v_line.unit_price, v_line.discount,
          v_line.tax_rate, v_line.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;
comment on function app_public.create_invoice_line(invoice_line app_public.invoice_line) is E'@resultFieldName invoiceLine
Adds a line to a draft invoice: a service of the catalog (its name and price unless given) or one typed by hand (description and unitPrice required); quantity 1 and no discount unless given, the invoice''s tax rate unless given. With an idempotency key, a retry (a double click) returns the first line instead of billing it twice, whatever changed in the catalog since: it is compared on what it gives (another invoice, service, quantity or discount, left out 1 and none, or a description, price or tax rate it gives unlike the line''s is CONFLICT; one it leaves out is the line''s); the key of a line deleted since is CONFLICT, not a new line; a key of white space alone is INVALID_INPUT. Owners, admins, cashiers, and receptionists if the clinic allows.';
revoke all on function app_public.create_invoice_line(app_public.invoice_line) from public;
grant execute on function app_public.create_invoice_line(app_public.invoice_line) to :DATABASE_VISITOR;
