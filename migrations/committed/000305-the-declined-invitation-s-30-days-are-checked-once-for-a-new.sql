--! Previous: sha1:98cd135d98938674e36a478e72febafb2f8c2ca4
--! Hash: sha1:fe2e1b3d52df43cf5ee23cbe02cba320c177458a
--! Message: The declined invitation's 30 days are checked once, for a new invitation and one of before invited again alike

-- The declined invitation's 30 days are checked once, for a new invitation and one of before invited again alike
--
-- 000300 wrote the check that a person who declined an invitation from the clinic is not asked again within 30 days
-- twice in tg_membership__declined_stays_declined: for an invitation on a new membership, and for one on the
-- membership of before (invite_again). An invitation is now one case whichever membership it is on, so the rule is
-- written once and cannot drift between the two. Nothing else changes: a restore of a declined invitation, or of a
-- membership removed before the person declined, is still refused.
create or replace function app_private.tg_membership__declined_stays_declined() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  -- (on in this function's definition); an update other than invite_again's (a membership of before asked again:
  -- an invitation, as a new membership is) is a restore
  if tg_op = 'UPDATE' and not (old.deleted_at is not null and new.deleted_at is null and new.accepted_at is null
                               and current_setting('clinicops.reinvitation', true) = 'on') then
    if old.deleted_at is not null and new.deleted_at is null then
      if old.accepted_at is null and old.deleted_by = old.user_id then
        raise exception 'They declined this invitation: it cannot be brought back.' using errcode = 'CFORB';
      end if;
      if exists (
        select 1 from app_public.membership m
        where m.clinic_id = new.clinic_id and m.user_id = new.user_id and m.id <> new.id
          and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > old.deleted_at
      ) then
        raise exception 'They declined an invitation from this clinic since this was removed: only a new invitation, 30 days after they declined, asks them again.'
          using errcode = 'CFORB';
      end if;
    end if;
    return new;
  end if;
  -- an invitation, on a new membership or on the membership of before: within 30 days of a decline (this
  -- membership's own included), refused
  if exists (
    select 1 from app_public.membership m
    where m.clinic_id = new.clinic_id and m.user_id = new.user_id
      and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > now() - interval '30 days'
  ) then
    raise exception 'They declined an invitation from this clinic less than 30 days ago.' using errcode = 'CCONF';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__declined_stays_declined() is 'BEFORE INSERT, UPDATE OF deleted_at: an invitation its person declined (removed by them while pending) is never restored, nor is any membership of theirs removed before they declined an invitation from the clinic; the clinic invites them again only 30 days after, a new membership or one of before invited again (invite_again, clinicops.reinvitation).';
