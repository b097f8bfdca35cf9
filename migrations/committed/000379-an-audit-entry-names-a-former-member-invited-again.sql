--! Previous: sha1:95e4a8cbffaf3cfe0e755deb79d7b68cf7eef8fe
--! Hash: sha1:5b0e433f9e08421c5a8a2428e39d25e49f58efde
--! Message: An audit entry names a former member invited again

-- An audit entry names a former member invited again
--
-- audit_log_actor_name named an entry's actor only while their membership of the clinic was accepted; a member the
-- clinic removed and invited again is pending (invite_again clears accepted_at), and stays so once they decline, so
-- every entry of their years as a member (the invoices they voided, the payments they took) named no one, the clinic's
-- owner left with an id the staff list no longer shows. Now a membership accepted once names its person, as the
-- clinic's chain tells: an entry of that membership whose row, before or after, was accepted (its insert as an accepted
-- member, its acceptance, a restore). Someone invited who never accepted is still named to no one.

create or replace function app_public.audit_log_actor_name(entry app_public.audit_log) returns text
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
set clinicops.include_deleted = 'on'
set clinicops.every_clinic = 'off'
set clinicops.reinvitation = 'off'
as $$
begin
  -- the entry is read again, and named only if it is of the chain the session reads (select_chain's
  -- audit_chain_in_view: this function runs as the owner role, which reads every entry), so a row made
  -- up by the caller names no one; a clinic's entry names a person who is or was a member of that
  -- clinic (removed ones too, and those invited again, pending or declined since: their membership's entries
  -- in the chain tell it was accepted once), the platform's chain anyone; PL/pgSQL, so its plan is kept for the
  -- connection (decision 012)
  return (
    select u.full_name
    from app_public.audit_log seen
    join app_public."user" u on u.id = seen.actor_user_id
    where seen.id = entry.id
      and coalesce(seen.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = app_hidden.audit_chain_in_view()
      and (seen.clinic_id is null
           or exists (select from app_public.membership m where m.clinic_id = seen.clinic_id and m.user_id = u.id
                      and (m.accepted_at is not null
                           or exists (select from app_public.audit_log a
                                      where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000'::uuid) = seen.clinic_id
                                        and a.table_name = 'membership' and a.record_id = m.id
                                        and (a.new_values ->> 'accepted_at' is not null or a.old_values ->> 'accepted_at' is not null))))));
end;
$$;

comment on function app_public.audit_log_actor_name(entry app_public.audit_log) is E'@behavior -resource:aggregate -filterBy -orderBy\nThe name of who acted, also once they have left the clinic (a removed member is hidden from `user`), or were invited again since (pending, or declined); null for no one (the worker, a failed login of an unknown phone) and for a person who was never a member of the clinic (an invitation they never accepted).';
