-- A visit is booked at a real time: 'infinity' and '-infinity' are timestamps PostgreSQL accepts,
-- but GraphQL cannot print them (every list holding such a visit answered an error without a code),
-- and no day, rollup, export or no-show rule can place them.
alter table app_public.visit drop constraint if exists visit_scheduled_at_is_finite;
-- NOT VALID: a visit written before keeps its time; new and moved visits may not be at infinity
alter table app_public.visit add constraint visit_scheduled_at_is_finite check (isfinite(scheduled_at)) not valid;
comment on constraint visit_scheduled_at_is_finite on app_public.visit is 'A visit is booked at a date and time, never at infinity or -infinity.';
