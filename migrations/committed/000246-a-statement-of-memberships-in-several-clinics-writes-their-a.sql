--! Previous: sha1:5d84e04874647294a3657824f57260b24c2cf65f
--! Hash: sha1:40b7310eca6c02beaf5ab8d29dfacedca5343c16
--! Message: A statement of memberships in several clinics writes their audit chains in the order of the chains' ids

-- A statement of memberships in several clinics writes their audit chains in the order of the chains' ids
--
-- A statement adding, changing or removing memberships in several clinics (the operator's update of a person's
-- memberships, say) wrote each row's entry (tg__audit) in the order it reached the rows, each chain's head locked until
-- commit, while a login, a switch, a password change, a reset or a deactivation of anyone with sessions in those clinics
-- takes their heads in the order of their ids: the statement holding a clinic's chain while waiting for one of a lower
-- id, which the other held while waiting for the first, one of them was undone ("deadlock detected"). A person's own
-- login or password change took turns with it (session_turn_key) and never did. Now the statement's first row locks the
-- heads of every chain of its rows, in the order of their ids, before any entry is written.
create or replace function app_private.tg_membership__chains_in_order() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- the statement's first row (its transition table's first, as its after-row events come in that order): the rows after
  -- it find the heads already held
  if new.id = (select c.id from changed c limit 1) then
    perform from app_private.audit_chain_head h
    where h.chain_id in (select c.clinic_id from changed c)
    order by h.chain_id
    for update;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__chains_in_order() is 'AFTER INSERT or UPDATE, for each row, before the audit (_500_audit): at a statement''s first row, locks the audit chain heads of the clinics of all its rows (changed, the transition table), in the order of their ids, as every act that ends sessions of several clinics takes them (audit_sessions_ended): a statement of memberships in several clinics and a login, a password change or a deactivation at once lock no head the other holds while waiting for it. A delete is a soft delete, an update of each row in turn, its chain locked there.';
revoke all on function app_private.tg_membership__chains_in_order() from public;
-- one event a trigger: a trigger with a transition table has one
drop trigger if exists _490_chains_in_order_on_insert on app_public.membership;
create trigger _490_chains_in_order_on_insert after insert on app_public.membership
  referencing new table as changed
  for each row execute function app_private.tg_membership__chains_in_order();
comment on trigger _490_chains_in_order_on_insert on app_public.membership is 'The audit chains of the clinics of an insert''s rows, locked in the order of their ids at its first row (tg_membership__chains_in_order).';
drop trigger if exists _490_chains_in_order_on_update on app_public.membership;
create trigger _490_chains_in_order_on_update after update on app_public.membership
  referencing new table as changed
  for each row execute function app_private.tg_membership__chains_in_order();
comment on trigger _490_chains_in_order_on_update on app_public.membership is 'The audit chains of the clinics of an update''s rows, locked in the order of their ids at its first row (tg_membership__chains_in_order).';
