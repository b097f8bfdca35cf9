--! Previous: sha1:d4985575642c52601eb2604a791924f49449c459
--! Hash: sha1:8e8d27d5520f317a91f5eb851cc2893cc921e18e
--! Message: declined invitations stay declined

-- From the review of 000043: a clinic could bring back an invitation the person had declined
-- (restoreMember), or invite them again at once, as often as it liked: each time its name (free
-- text up to 200 characters, which it may change) showed again in that person's login answer. A
-- declined invitation is never restored, and the clinic may invite the person again only 30 days
-- after they declined.

create function app_private.tg_membership__declined_stays_declined() returns trigger
language plpgsql
as $$
declare
  v_include_deleted text := current_setting('clinicops.include_deleted', true);
  v_declined_lately boolean;
begin
  if tg_op = 'UPDATE' then
    if old.deleted_at is not null and new.deleted_at is null and old.accepted_at is null and old.deleted_by = old.user_id then
      raise exception 'They declined this invitation: it cannot be brought back.' using errcode = 'CFORB';
    end if;
    return new;
  end if;
  -- the declined invitations are removed rows, which the policies show only with include_deleted
  perform set_config('clinicops.include_deleted', 'on', true);
  v_declined_lately := exists (
    select 1 from app_public.membership m
    where m.clinic_id = new.clinic_id and m.user_id = new.user_id
      and m.accepted_at is null and m.deleted_by = m.user_id and m.deleted_at > now() - interval '30 days'
  );
  perform set_config('clinicops.include_deleted', coalesce(v_include_deleted, ''), true);
  if v_declined_lately then
    raise exception 'They declined an invitation from this clinic less than 30 days ago.' using errcode = 'CCONF';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_membership__declined_stays_declined() is 'BEFORE INSERT, UPDATE OF deleted_at: an invitation its person declined (removed by them while pending) is never restored, and the clinic invites them again only 30 days after.';
create trigger _210_declined_stays_declined before insert or update of deleted_at on app_public.membership
  for each row execute function app_private.tg_membership__declined_stays_declined();
