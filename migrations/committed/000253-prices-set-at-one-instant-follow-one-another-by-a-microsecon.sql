--! Previous: sha1:d9c8fa8e7606b5c3710771ca8258e144075369c4
--! Hash: sha1:2937d5ef6f31b2134c8b48a6692071ca81d99670
--! Message: Prices set at one instant follow one another by a microsecond

-- Prices set at one instant follow one another by a microsecond
--
-- A price change closes the current price at the transaction's time, or when that price began if it began later
-- (000031: a change committed meanwhile). Several changes in one transaction (a form saving a price twice, an
-- operator's script), or a change in a transaction begun before another's committed, closed the current price at
-- the instant it began: prices that were never in force (priceAt gave the last one at their start), all beginning at
-- one instant, so Service.prices, listed in the order the prices took effect, listed them in the order of their random
-- keys (the current price among the others, or before them). Now a change closes the current price at the
-- transaction's time or a microsecond after that price began, whichever is later, and the new price starts there: each
-- price is in force for a moment at least, the history is listed in the order the prices were set, and priceAt at a
-- price's start gives it. Histories written before keep their prices of no length.
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
    update app_public.service_price p set effective_to = greatest(now(), p.effective_from + interval '1 microsecond')
    where p.clinic_id = new.clinic_id and p.service_id = new.id and p.effective_to is null
    returning p.effective_to into v_from;
  end if;
  insert into app_public.service_price (clinic_id, service_id, price, effective_from, changed_by)
  values (new.clinic_id, new.id, new.price, coalesce(v_from, now()), app_public.current_user_id());
  return null;
end;
$$;
comment on function app_private.tg_service__record_price() is 'AFTER INSERT OR UPDATE OF price: closes the current price and opens the new one, at the transaction''s time or, if the current price began then or later (an earlier change of the same transaction, or a change committed meanwhile), a microsecond after it began: each price is in force a moment at least, so the history lists prices in the order they were set.';
revoke all on function app_private.tg_service__record_price() from public;
