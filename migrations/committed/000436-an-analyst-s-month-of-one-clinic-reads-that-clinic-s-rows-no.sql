--! Previous: sha1:96ac41897452244c6262ac1167de8d8de1158aab
--! Hash: sha1:1ab50b47be892ab742e56cbc1c799d39a8bed368
--! Message: An analyst's month of one clinic reads that clinic's rows, not every clinic's

-- The reporting views read the granted clinics' rows alone
--
-- reporting.granted_clinics() was planned as a set-returning function is by default, 1,000 rows: as many clinics as
-- the server holds, or more. Each view's `clinic_id in (select reporting.granted_clinics())` was then costed as keeping
-- nearly every row, and an analyst's month of one clinic read every clinic's patients, visits, invoices, payments,
-- refunds or cash-ups in sequential scans before the grant's filter kept that clinic's (in a database of 200 clinics
-- and 600,000 visits, a month of one clinic's visits read the 200,000 patients and took 0.29 s; its invoices read
-- every visit and invoice, 0.48 s; the cost grew with the whole deployment, not with the clinic granted). An analyst
-- is granted one clinic, or a few: planned as one, each view reads the granted clinics' rows through the indexes that
-- start with clinic_id (41 ms and 31 ms); a clinic of a million visits reads its million either way (the fence's
-- price, analysts.md). Its body, settings, grants and comment are as they were, the comment saying
-- why the estimate.
create or replace function reporting.granted_clinics() returns setof uuid
    language sql stable security definer
    rows 1
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
  select g.clinic_id from app_private.analyst_grant g where g.role_name = session_user;
$$;
comment on function reporting.granted_clinics() is 'The clinics granted to the login role of this connection (session_user, which neither SET ROLE nor any setting changes). Planned as one row (an analyst is granted one clinic or a few), so that each view reads the granted clinics'' rows through the indexes that start with clinic_id, not every clinic''s (planned as a set-returning function''s default 1,000, 000436).';
revoke all on function reporting.granted_clinics() from public;
grant all on function reporting.granted_clinics() to :DATABASE_ANALYST;
