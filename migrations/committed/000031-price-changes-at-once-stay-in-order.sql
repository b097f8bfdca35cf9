--! Previous: sha1:f942defd7574d6de95e788741604be58ffb8598e
--! Hash: sha1:90bf2e6d5bf5ee8cc14958d440aa3ea4c646dea6
--! Message: price changes at once stay in order

--------------------------------------------------------------------------------
-- A price change in a transaction that began before another's committed price change closed the
-- current price at its own start time, before that price began: the history refused it
-- (effective_to before effective_from: INVALID_INPUT, the admin had to retry), and the new price
-- would have started before the one it replaced. A price now ends, and the next begins, no earlier
-- than the current price began.

create or replace function app_private.tg_service__record_price() returns trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_from timestamptz := now();
begin
  if tg_op = 'UPDATE' then
    if new.price = old.price then
      return null;
    end if;
    update app_public.service_price p set effective_to = greatest(now(), p.effective_from)
    where p.clinic_id = new.clinic_id and p.service_id = new.id and p.effective_to is null
    returning p.effective_to into v_from;
  end if;
  insert into app_public.service_price (clinic_id, service_id, price, effective_from, changed_by)
  values (new.clinic_id, new.id, new.price, coalesce(v_from, now()), app_public.current_user_id());
  return null;
end;
$$;
comment on function app_private.tg_service__record_price() is 'AFTER INSERT OR UPDATE OF price: closes the current price and opens the new one, at the transaction''s time or, if the current price began later (a change committed meanwhile), when it began.';
