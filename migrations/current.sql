-- A booking screen lists the clinic's active doctors: memberships can be filtered and ordered by
-- role and is_active (a clinic has a handful of members, found by the primary key's clinic_id, so
-- neither column needs an index of its own, which is what Amber otherwise asks for).
comment on column app_public.membership.role is E'@behavior +filterBy +orderBy\nWhat the member may do in this clinic.';
comment on column app_public.membership.is_active is E'@behavior +filterBy +orderBy\nFalse suspends the member: no login into this clinic, sessions ended.';
