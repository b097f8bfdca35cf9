--! Previous: sha1:53fca5fe455caedd5bff82a1458f6e2c653c7e32
--! Hash: sha1:8120b2405565654fc09a5d6ed7bffb808e139485
--! Message: invitations-again-count-in-the-hourly-limit

-- An invitation again of someone the clinic removed counts in the clinic's 50 invitations an hour
--
-- Since 000300 inviteMember asks someone the clinic removed again on their membership of before (invite_again), and
-- the hourly limit counted only the memberships created: an owner or admin, or whoever holds their session, could ask
-- every removed member again, and remove and ask one again, without end, each time putting an invitation in the
-- person's login answer and entries in the clinic's audit chain (before 000300 each made a membership, and counted).
-- Each invitation again is now kept for the hour in app_private.reinvitation and counts beside the memberships made:
-- beyond 50 in the hour, inviteMember is LIMIT_EXCEEDED "Your clinic has added 50 people in the past hour: wait before
-- inviting more.", as for a new person. restoreMember still does not count: it undoes a removal, bringing back as it
-- was a membership counted when it was made, and tells the clinic nothing new (a declined invitation is not restored).
create table if not exists app_private.reinvitation (
  clinic_id uuid not null,
  id bigint generated always as identity,
  membership_id uuid not null,
  invited_at timestamptz not null default now(),
  primary key (clinic_id, id)
);
comment on table app_private.reinvitation is 'Each invitation again of someone the clinic removed (invite_again), kept for the hour of invite_member''s limit (memberships_added_lately counts them); older ones are pruned by the clinic''s next invitation again.';
comment on column app_private.reinvitation.clinic_id is 'The clinic that invited.';
comment on column app_private.reinvitation.id is 'The invitation again.';
comment on column app_private.reinvitation.membership_id is 'The membership of before the person was asked again on.';
comment on column app_private.reinvitation.invited_at is 'When they were asked again.';
alter table app_private.reinvitation enable row level security;
alter table app_private.reinvitation force row level security;
drop policy if exists owner_only on app_private.reinvitation;
create policy owner_only on app_private.reinvitation to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.reinvitation is 'Read and kept by definer functions only.';

create or replace function app_private.memberships_added_lately(clinic_id uuid) returns bigint
  language sql stable security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
as $$
  select (select count(*) from app_public.membership m
          where m.clinic_id = memberships_added_lately.clinic_id and m.created_at > now() - interval '1 hour')
       + (select count(*) from app_private.reinvitation r
          where r.clinic_id = memberships_added_lately.clinic_id and r.invited_at > now() - interval '1 hour');
$$;
comment on function app_private.memberships_added_lately(uuid) is 'How many memberships the clinic created in the past hour, removed ones included, and how many removed people it invited again (app_private.reinvitation): invite_member allows 50. Sees removed rows by its definition (set clinicops.include_deleted).';

create or replace function app_private.invite_again(clinic_id uuid, user_id uuid, role app_public.member_role) returns app_public.membership
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
  set clinicops.reinvitation to 'on'
as $$
declare
  v_membership app_public.membership;
begin
  -- removed rows are read with include_deleted, and the membership's triggers take this update for an invitation, not
  -- restoreMember's restore, with reinvitation (both on in this function's definition)
  update app_public.membership m
  set deleted_at = null, deleted_by = null, accepted_at = null, role = invite_again.role, is_active = true
  where m.clinic_id = invite_again.clinic_id
    and m.id = (
      select o.id from app_public.membership o
      where o.clinic_id = invite_again.clinic_id and o.user_id = invite_again.user_id and o.deleted_at is not null
      order by o.accepted_at is not null desc, o.deleted_at desc, o.id
      limit 1)
  returning * into v_membership;
  if v_membership.id is not null then
    -- counted in the clinic's hourly limit (memberships_added_lately), under invite_member's turn of the clinic, which
    -- also prunes what the limit no longer reads
    delete from app_private.reinvitation r where r.clinic_id = invite_again.clinic_id and r.invited_at <= now() - interval '1 hour';
    insert into app_private.reinvitation (clinic_id, membership_id) values (invite_again.clinic_id, v_membership.id);
  end if;
  return v_membership;
end;
$$;
comment on function app_private.invite_again(uuid, uuid, app_public.member_role) is 'invite_member''s invitation of someone the clinic removed (or whose invitation was withdrawn or declined): their removed membership of the clinic (the newest they had accepted, else the newest) made pending again with the new role, active, so that the visits booked with them are theirs once they accept; null when they have none. Each one is kept in app_private.reinvitation for the clinic''s hourly limit (memberships_added_lately). Sets clinicops.reinvitation in its definition, which the membership''s triggers read (app_private.invited_again) as an invitation.';
comment on function app_public.invite_member(text, text, app_public.member_role, text) is 'Adds a person to the current clinic with a role. A name and a password (8 to 128 characters) are always required: a new phone creates their user with them and they are a member at once; a phone that already has a user makes a pending invitation (acceptedAt null; the name and password are ignored): it shows the clinic neither their name nor their phone and gives them no access until they accept it (acceptInvitation) or decline it. Someone the clinic removed (or whose invitation was withdrawn or declined) is asked again so on their membership of before, the one the visits booked with them name, with the new role. Someone already a member, or invited, is a CONFLICT, as is inviting again within 30 days someone who declined; a clinic adds or asks again at most 50 people an hour (LIMIT_EXCEEDED). Owners and admins; only owners add owners.';
