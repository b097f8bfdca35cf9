--! Previous: sha1:044255970218d9a33254927935aad4e0b0e1a220
--! Hash: sha1:ea2818bb7ba6547a011bbe679f253834a40feaea
--! Message: A declined invitation is not brought back by restoreMember on a connection that never ran invite_again

-- A declined invitation is not brought back by restoreMember on a connection that never ran invite_again
--
-- 000305 folded the invitation's 30-day rule into one case, reached when an update was not "not invite_again's", and
-- read invite_again's mark (clinicops.reinvitation) as is: on a connection where no invite_again had ever run, the
-- setting is not there at all (null, not ''), so a restore of a pending membership (restoreMember) took the
-- invitation's case instead of the restore's. An owner or admin restoring an invitation its person had declined more
-- than 30 days before got it back, pending again (000300 refused it, FORBIDDEN "They declined this invitation: it cannot
-- be brought back."), one declined less than 30 days before was CONFLICT instead of that FORBIDDEN, and a withdrawn
-- invitation was restored though the person had declined another since, more than 30 days ago. The mark is now read as
-- '' when it is missing, so a restore is a restore on every connection, as in 000300.
create or replace function app_private.tg_membership__declined_stays_declined() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  -- (on in this function's definition); an update other than invite_again's (a membership of before asked again:
  -- an invitation, as a new membership is) is a restore. invite_again's mark is missing (null) on a connection that
  -- never ran it: read as not set, so that the condition is false, not null, and such a restore is one
  if tg_op = 'UPDATE' and not (old.deleted_at is not null and new.deleted_at is null and new.accepted_at is null
                               and coalesce(current_setting('clinicops.reinvitation', true), '') = 'on') then
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
comment on function app_private.tg_membership__declined_stays_declined() is 'BEFORE INSERT, UPDATE OF deleted_at: an invitation its person declined (removed by them while pending) is never restored, nor is any membership of theirs removed before they declined an invitation from the clinic; the clinic invites them again only 30 days after, a new membership or one of before invited again (invite_again, clinicops.reinvitation: an update without it, missing or not on, is a restore).';
