--! Previous: sha1:7a9439074ab7110dd1192d549832baf2bb859af2
--! Hash: sha1:e1ba44c7ed2dbc29d3c3f067f1574d5523950709
--! Message: A service's price history is written by its price changes alone

-- Enter migration here

-- A service's price history is written by its price changes alone: an operator's psql rewrites none of it
--
-- service_price had no trigger of its own, and the audit leaves it out because its rows are written by the service's
-- audited price change (tg_service__record_price). But an operator's psql as the owner role (in system context, whose
-- policy lets it write every row) updated a past price or its times, deleted it, inserted one into the past or
-- truncated every clinic's history, and the audit log recorded none of it: priceAt and prices then told another
-- history than the one the service's entries tell. Now the table takes only what the service's price change writes:
-- the current price closed (at the transaction's time, or a moment after it began) once the service's price is
-- another, and the service's price opened where the one closed ended (now, for a new service), set by the session's
-- user. Everything else, a delete and a truncate included, is FORBIDDEN.
create or replace function app_private.tg_service_price__history_kept() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_price numeric;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    select s.price into v_price from app_public.service s where s.clinic_id = new.clinic_id and s.id = new.service_id;
  end if;
  if tg_op = 'UPDATE' and old.effective_to is null and v_price is distinct from old.price
     and new.effective_to = greatest(now(), old.effective_from + interval '1 microsecond')
     and (new.clinic_id, new.id, new.service_id, new.price, new.effective_from, new.changed_by)
         is not distinct from (old.clinic_id, old.id, old.service_id, old.price, old.effective_from, old.changed_by) then
    return new;
  end if;
  if tg_op = 'INSERT' and new.effective_to is null and new.price = v_price
     and new.changed_by is not distinct from app_public.current_user_id()
     and new.effective_from = greatest(now(), (select max(p.effective_to) from app_public.service_price p
                                               where p.clinic_id = new.clinic_id and p.service_id = new.service_id)) then
    return new;
  end if;
  raise exception 'A service''s price history is written by its price changes alone: change the service''s price instead.'
    using errcode = 'CFORB';
end;
$$;
revoke all on function app_private.tg_service_price__history_kept() from public;
comment on function app_private.tg_service_price__history_kept() is 'BEFORE INSERT, UPDATE or DELETE on service_price, and BEFORE TRUNCATE: lets through what a service''s price change writes (tg_service__record_price), the current price closed at the transaction''s time or a moment after it began once the service''s price is another, and the service''s price opened where the one closed ended (now, the first), set by the session''s user; refuses anything else (FORBIDDEN), so that an operator''s psql neither rewrites nor takes out a price the audit log''s entries of the service do not tell.';

drop trigger if exists _200_history_kept on app_public.service_price;
create trigger _200_history_kept before insert or update or delete on app_public.service_price
  for each row execute function app_private.tg_service_price__history_kept();
comment on trigger _200_history_kept on app_public.service_price is 'The history written by the service''s price changes alone (tg_service_price__history_kept).';

drop trigger if exists _200_history_kept_on_truncate on app_public.service_price;
create trigger _200_history_kept_on_truncate before truncate on app_public.service_price
  for each statement execute function app_private.tg_service_price__history_kept();
comment on trigger _200_history_kept_on_truncate on app_public.service_price is 'A truncate, which fires no row''s trigger, refused too (tg_service_price__history_kept).';
