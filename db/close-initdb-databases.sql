-- initdb's databases (postgres, template1, template0) closed to PUBLIC, on a server that is ClinicOps's alone: run
-- as its superuser by every start of the embedded PostgreSQL (db/embedded.ts), and by docker-compose.yml's database at
-- its first start (/docker-entrypoint-initdb.d). initdb leaves them open to every role, and there none of the
-- application database's revocations hold: an analyst's one statement in postgres (pg_advisory_lock over a
-- generate_series) filled the server's lock table, and every database's statements and new connections failed "out of
-- shared memory" until the analyst disconnected. ClinicOps's own roles connect to none of them (its starts reach the
-- maintenance database as the superuser, who needs no CONNECT; a database made from template1 needs none either).
-- Only a database still open is written (revoked once, not at every start), and one missing is skipped.
do $$
declare
  v_name name;
begin
  for v_name in
    select d.datname from pg_catalog.pg_database d
    where d.datname in ('postgres', 'template1', 'template0')
      and exists (select from pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
                  where a.grantee = 0 and a.privilege_type = 'CONNECT')
  loop
    execute pg_catalog.format('revoke connect on database %I from public', v_name);
  end loop;
end
$$;
