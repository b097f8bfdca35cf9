--! Previous: sha1:75b863e94c02ccc5b7c7fe76c2c33eb0d6e8f678
--! Hash: sha1:6afd4eedc54d2865147f503ceb907b098c33f49a
--! Message: A decline is not undone by a restore: a membership of a person who declined an invitation from the clinic since it was removed (a withdrawn invitation, an old accepted membership) is not restored

-- A decline is not undone by a restore. A person who declined an invitation was invited again by the clinic
-- restoring a row removed before the decline: an invitation it had withdrawn (pending again minutes after the
-- decline, where the clinic may invite them only 30 days after), or their membership accepted long before
-- (a member again, against the refusal they had just given; an attacker of invitations). A membership of a
-- person is not restored when they declined an invitation from the clinic since it was removed: only a new
-- invitation, 30 days after the decline, asks them again.
create or replace function app_private.tg_membership__declined_stays_declined() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
as $$
begin
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  -- (on in this function's definition)
  if tg_op = 'UPDATE' then
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
comment on function app_private.tg_membership__declined_stays_declined() is 'BEFORE INSERT, UPDATE OF deleted_at: an invitation its person declined (removed by them while pending) is never restored, nor is any membership of theirs removed before they declined an invitation from the clinic; the clinic invites them again only 30 days after.';
