--! Previous: sha1:fa05369377c6139a6acfdb13f27a00b8e99e0fca
--! Hash: sha1:a4df1baa285a963a580a1daa9d74ca7a1907861c
--! Message: Correcting the saved phones locks the audit chains it will write first, in the order of their ids

-- Correcting the saved phones locks the audit chains it will write first, in the order of their ids
--
-- correct_saved_phones (run by 000086, and by an operator again, on a live database: about 21 s a million phones) corrects
-- each phone in a statement of its own, in one transaction, in the order it reads them (users, patients, clinics), each
-- clinic's audit chain head held from its first correction to the end: with a login, a password change or a deactivation
-- ending sessions in two of those clinics, which takes their heads in the order of their ids, each held a head the other
-- waited for, and one was undone ("deadlock detected"): the person's act, or the correction, caught as a phone that could
-- not be corrected, left and counted in the warning. Now it reads the phones to correct first, locks the chains of their
-- rows (lock_audit_chains) and then corrects them.
create or replace function app_private.correct_saved_phones() returns integer
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_read jsonb;
  v_row record;
  v_left integer := 0;
begin
  -- each phone read once (materialized: inlined, the function ran in the filter and again in the list), with what its
  -- row's audit entry is written by (audit_chain_of_row)
  with saved as (
    select 'user' as kind, u.id, u.phone as saved, jsonb_build_object('id', u.id) as audited from app_public."user" u
    union all select 'patient', p.id, p.phone, jsonb_build_object('id', p.id, 'clinic_id', p.clinic_id) from app_public.patient p where p.phone is not null
    union all select 'clinic', c.id, c.phone, jsonb_build_object('id', c.id) from app_public.clinic c where c.phone is not null
  ), read as materialized (
    select s.kind, s.id, s.saved, app_private.saved_phone_corrected(s.saved) as phone, s.audited from saved s
  )
  select coalesce(jsonb_agg(to_jsonb(r)), '[]') into v_read from read r where r.phone is distinct from r.saved;
  -- the chains of the rows it corrects, each held to the end once written: all taken now, in order, as a login, a password
  -- change or a deactivation takes them (one correction a statement, 000248's order held for one row at a time)
  perform app_private.lock_audit_chains(array(
    select distinct app_private.audit_chain_of_row(r ->> 'kind', r -> 'audited') from jsonb_array_elements(v_read) r where r ->> 'phone' is not null));
  for v_row in select * from jsonb_to_recordset(v_read) as r(kind text, id uuid, saved text, phone text) loop
    if v_row.phone is null then
      v_left := v_left + 1; -- no phone by today's rules: left for someone who knows it
      continue;
    end if;
    begin
      -- only if it is still the phone read above: one changed since is left as its writer typed it
      case v_row.kind
        when 'user' then update app_public."user" u set phone = v_row.phone where u.id = v_row.id and u.phone = v_row.saved;
        when 'patient' then update app_public.patient p set phone = v_row.phone where p.id = v_row.id and p.phone = v_row.saved;
        else update app_public.clinic c set phone = v_row.phone where c.id = v_row.id and c.phone = v_row.saved;
      end case;
    exception when others then
      v_left := v_left + 1;
    end;
  end loop;
  return v_left;
end;
$$;
comment on function app_private.correct_saved_phones() is 'Corrects the users'', patients'' and clinics'' phones that today''s rules read otherwise (saved_phone_corrected), each change audited, a phone changed meanwhile left as it is; answers how many phones were left: no phone by today''s rules (the wrong number of digits for their country, or no country code in use), or the row cannot take the corrected phone (another account has it, or the row breaks a newer rule). The audit chains of the rows it corrects are locked first, in the order of their ids (lock_audit_chains), as logins and password changes take them. Run by 000086; an operator may run it again.';
