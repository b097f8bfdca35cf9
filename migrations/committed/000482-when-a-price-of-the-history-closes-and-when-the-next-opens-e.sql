--! Previous: sha1:429649b4c3264839abdcf699aabfa801456b295e
--! Hash: sha1:12d70c65e8252de91f91a5ba1cc612d0bffd54cc
--! Message: When a price of the history closes and when the next opens, each written once

-- Enter migration here

-- When a price of the history closes and when the next opens, each written once
--
-- tg_service__record_price closed the current price at the transaction's time or a microsecond after it began, and
-- opened the new one where the closed one ended (now, the first); tg_service_price__history_kept (000478) let through
-- only those times, each worked out again in its own words (the closing time's expression restated, the opening time
-- as the history's last end). Changed in one and not the other, every change of a price was refused. Both read them from
-- price_closed_at and price_opened_at now.
create or replace function app_private.price_closed_at(effective_from timestamptz) returns timestamptz
    language sql stable
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
  select greatest(now(), price_closed_at.effective_from + interval '1 microsecond');
$$;
revoke all on function app_private.price_closed_at(timestamptz) from public;
comment on function app_private.price_closed_at(effective_from timestamptz) is 'When a change of a service''s price closes its current price, in force since `effective_from`: at the transaction''s time or, if that price began then or later (an earlier change of the same transaction, or a change committed meanwhile), a microsecond after it began, so that each price is in force a moment at least and the history lists prices in the order they were set. Written by tg_service__record_price, the only time tg_service_price__history_kept lets a price close at.';

create or replace function app_private.price_opened_at(clinic_id uuid, service_id uuid) returns timestamptz
    language sql stable
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
  select greatest(now(), (select max(p.effective_to) from app_public.service_price p
                          where p.clinic_id = price_opened_at.clinic_id and p.service_id = price_opened_at.service_id));
$$;
revoke all on function app_private.price_opened_at(uuid, uuid) from public;
comment on function app_private.price_opened_at(clinic_id uuid, service_id uuid) is 'When a service''s new price begins: where its last price closed (price_closed_at), or now for its first. Written by tg_service__record_price, the only time tg_service_price__history_kept lets a price open at.';

create or replace function app_private.tg_service__record_price() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
begin
  if tg_op = 'UPDATE' then
    if new.price = old.price then
      return null;
    end if;
    update app_public.service_price p set effective_to = app_private.price_closed_at(p.effective_from)
    where p.clinic_id = new.clinic_id and p.service_id = new.id and p.effective_to is null;
  end if;
  insert into app_public.service_price (clinic_id, service_id, price, effective_from, changed_by)
  values (new.clinic_id, new.id, new.price, app_private.price_opened_at(new.clinic_id, new.id), app_public.current_user_id());
  return null;
end;
$$;
revoke all on function app_private.tg_service__record_price() from public;
comment on function app_private.tg_service__record_price() is 'AFTER INSERT OR UPDATE OF price: closes the current price (price_closed_at: at the transaction''s time, or a microsecond after it began if it began then or later) and opens the new one where it closed (price_opened_at), so that each price is in force a moment at least and the history lists prices in the order they were set.';

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
     and new.effective_to = app_private.price_closed_at(old.effective_from)
     and (new.clinic_id, new.id, new.service_id, new.price, new.effective_from, new.changed_by)
         is not distinct from (old.clinic_id, old.id, old.service_id, old.price, old.effective_from, old.changed_by) then
    return new;
  end if;
  if tg_op = 'INSERT' and new.effective_to is null and new.price = v_price
     and new.changed_by is not distinct from app_public.current_user_id()
     and new.effective_from = app_private.price_opened_at(new.clinic_id, new.service_id) then
    return new;
  end if;
  raise exception 'A service''s price history is written by its price changes alone: change the service''s price instead.'
    using errcode = 'CFORB';
end;
$$;
revoke all on function app_private.tg_service_price__history_kept() from public;
comment on function app_private.tg_service_price__history_kept() is 'BEFORE INSERT, UPDATE or DELETE on service_price, and BEFORE TRUNCATE: lets through what a service''s price change writes (tg_service__record_price), the current price closed at price_closed_at once the service''s price is another, and the service''s price opened at price_opened_at, set by the session''s user; refuses anything else (FORBIDDEN), so that an operator''s psql neither rewrites nor takes out a price the audit log''s entries of the service do not tell.';
