--! Previous: sha1:330d43a7445d584ab7068d4029a0ca928f08b70c
--! Hash: sha1:14f4c933cee044da815df895edb4a8553bdaf0e0
--! Message: a visit line keeps the visit s price

-- A line that bills a visit's service keeps the visit's quantity, price and discount.
--
-- A cashier changed the unit price and quantity of a line made from a visit (5,000 × 3 became 1 × 1)
-- and issued the invoice: the visit's value stayed 15,000 on the dashboard and for analysts while the
-- invoice billed 1.10 (a tester of the catalog, over HTTP). 000111 kept the visit's side from changing
-- under a live invoice; the invoice's side could. Such a line's service, quantity, unit price and
-- discount are now the visit's: they change on the visit before it is invoiced, or the line is taken
-- off and one typed by hand. Its description and tax rate may still change.

create or replace function app_private.tg_invoice_line__bills_the_visit() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_visit_code text;
begin
  if (new.service_id, new.quantity, new.unit_price, new.discount) is not distinct from (old.service_id, old.quantity, old.unit_price, old.discount) then
    return new;
  end if;
  select v.code into v_visit_code from app_public.visit_service s
  join app_public.visit v on v.clinic_id = s.clinic_id and v.id = s.visit_id
  where s.clinic_id = old.clinic_id and s.id = old.visit_service_id;
  raise exception 'This line bills a service of %: its quantity, price and discount are the visit''s (change them on the visit, or take the line off and type one by hand).',
    coalesce(v_visit_code, 'a visit') using errcode = 'CINVL';
end;
$$;
comment on function app_private.tg_invoice_line__bills_the_visit() is 'Trigger: refuses (INVALID_INPUT, naming the visit) to change the service, quantity, unit price or discount of a line that bills a visit''s service: they are the visit''s, so the invoice bills the visit''s value.';
revoke all on function app_private.tg_invoice_line__bills_the_visit() from public;
drop trigger if exists _205_bills_the_visit on app_public.invoice_line;
create trigger _205_bills_the_visit before update of service_id, quantity, unit_price, discount on app_public.invoice_line
  for each row when (old.visit_service_id is not null) execute function app_private.tg_invoice_line__bills_the_visit();
comment on trigger _205_bills_the_visit on app_public.invoice_line is 'A line that bills a visit''s service keeps its quantity, price and discount (tg_invoice_line__bills_the_visit).';
