--! Previous: sha1:414a0469cc7c37530c75dd33c26fbd26006e3541
--! Hash: sha1:650c63a460a4d38845e1c3e5094ed04ab131dbe6
--! Message: A visit or payment saved unchanged beside a change of time zone counts once on the dashboard

-- A visit or payment saved unchanged beside a change of time zone counts once on the dashboard
--
-- A change of the clinic's time zone rebuilds its rollups (deletes its rows, writes them again) in the
-- manager's transaction. Every change of a visit or a payment that moves a rollup is audited first, in the
-- clinic's audit chain, whose head the change of time zone holds from its own entry on: the two take turns.
-- An update that changed nothing (a form saved as it was, its status, doctor, time or tender sent back) wrote
-- no audit entry but still took its row out of the rollup and put it back; made while the rebuild was not
-- committed, the taking out waited for the rebuild's deleted row and was then skipped, the putting back
-- added to the rebuilt one: the visit counted twice (visits by status and doctor), the payment's amount twice
-- (revenue). Such an update now leaves the rollups alone, as it leaves the audit, and only audited changes
-- (which wait for the rebuild) move them.
create or replace function app_private.tg_visit__rollup() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id) is not distinct from (old.status, old.scheduled_at, old.doctor_id) then
    return null; -- named, not changed: nothing moves (and no audit entry takes its turn with a rebuild)
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_visits d set visits = d.visits - 1,
      completed_value = d.completed_value - case when old.status = 'completed' then app_private.visit_value(old.clinic_id, old.id) else 0 end
    where d.clinic_id = old.clinic_id and d.local_date = app_private.local_date(old.clinic_id, old.scheduled_at)
      and d.status = old.status and d.doctor_id = old.doctor_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_visits as d (clinic_id, local_date, status, doctor_id, visits, completed_value)
    values (new.clinic_id, app_private.local_date(new.clinic_id, new.scheduled_at), new.status, new.doctor_id, 1,
            case when new.status = 'completed' then app_private.visit_value(new.clinic_id, new.id) else 0 end)
    on conflict (clinic_id, local_date, status, doctor_id)
    do update set visits = d.visits + 1, completed_value = d.completed_value + excluded.completed_value;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_visit__rollup() is 'AFTER INSERT/UPDATE/DELETE on visits: keeps daily_visits (counts, and the value of completed visits); an update that changes none of status, time and doctor leaves it alone.';

create or replace function app_private.tg__money_rollup() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_sign integer := case when tg_table_name = 'refund' then -1 else 1 end;
begin
  if tg_op = 'UPDATE' and (new.amount, new.method, new.business_date) is not distinct from (old.amount, old.method, old.business_date) then
    return null; -- named, not changed: nothing moves (and no audit entry takes its turn with a rebuild)
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_money m set amount = m.amount - v_sign * old.amount, movements = m.movements - 1
    where m.clinic_id = old.clinic_id and m.business_date = old.business_date and m.method = old.method;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_money as m (clinic_id, business_date, method, amount, movements)
    values (new.clinic_id, new.business_date, new.method, v_sign * new.amount, 1)
    on conflict (clinic_id, business_date, method) do update set amount = m.amount + excluded.amount, movements = m.movements + 1;
  end if;
  return null;
end;
$$;
comment on function app_private.tg__money_rollup() is 'AFTER INSERT/UPDATE/DELETE on payments and refunds: keeps daily_money (the amount and the count of movements); an update that changes none of amount, method and business day leaves it alone.';

comment on function app_private.rebuild_rollups(uuid) is 'Recomputes a clinic''s dashboard rollups from its payments, refunds, visits and their services, patients (soft-deleted ones included, by its definition: 000061) and invoice lines. Run on a change of time zone after the clinic row''s audit entry, it holds the clinic''s audit chain head, which every change that moves a rollup (audited first) takes too: they take turns.';
