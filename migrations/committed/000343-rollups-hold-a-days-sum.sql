--! Previous: sha1:66477848c81c18a8d15542f29d21b3edc14783bf
--! Hash: sha1:3e3b1d53f826be5abb6b49f050eb995535ed543b
--! Message: rollups-hold-a-days-sum

-- The dashboard's days add up any amounts their visits, services and payments do
--
-- The per-day rollups (app_private.daily_visits.completed_value, daily_services.quantity and amount, daily_money.amount)
-- were numeric(16,3), the size of one amount, while each adds up a day's amounts: once a doctor's completed visits of a
-- day came to 10^13 (a price typed with extra digits, 9,999,999,990,000, on one visit, and 10,000 on another), every
-- later completion of that doctor's visits that day failed, "A number is out of range." (a numeric field overflow in
-- tg_visit__rollup), as did a change of the clinic's time zone, which moves the rollups. Now they are numeric(20,3),
-- the size of the dashboard's own sums (revenue, outstanding_balance), which they add into.
alter table app_private.daily_visits alter column completed_value type numeric(20,3);
alter table app_private.daily_services alter column quantity type numeric(20,3), alter column amount type numeric(20,3);
alter table app_private.daily_money alter column amount type numeric(20,3);
