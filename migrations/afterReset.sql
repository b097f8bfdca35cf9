-- Run as a superuser on a freshly created database (by db/setup.ts, and by
-- graphile-migrate for the shadow database): database privileges and the
-- extensions ClinicOps uses.
begin;
revoke all on database :DATABASE_NAME from public;
grant connect on database :DATABASE_NAME to :DATABASE_AUTHENTICATOR, :DATABASE_ANALYST;
grant all on database :DATABASE_NAME to :DATABASE_OWNER;
alter schema public owner to :DATABASE_OWNER;
revoke all on schema public from public;
grant usage on schema public to :DATABASE_VISITOR, :DATABASE_ANALYST;
create extension if not exists pgcrypto with schema public;
create extension if not exists pg_trgm with schema public;
commit;
