--! Previous: sha1:4a0b7ab1ef0d3a356ff8fe4857cd34ba78ef389e
--! Hash: sha1:8dbd08edb5138fb8bb967e987a211fc6b1f1a7bf
--! Message: audit entries dated when written

-- An audit entry is dated when it is written. write_audit dates each entry by the clock as it
-- writes it; the owner role, which may append to the log, could otherwise append entries dated
-- whenever it liked (a hard delete "in 2025"), and audit:verify would find their chain sound. The
-- check lives in the append-only trigger's function, which the auditor owns once the log is sealed.

create or replace function app_private.tg_audit_log__append_only() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    -- now(): when the writing transaction began; clock_timestamp(): this moment
    if new.occurred_at is null or new.occurred_at < now() or new.occurred_at > clock_timestamp() then
      raise exception 'An audit entry is dated when it is written, not %.', coalesce(new.occurred_at::text, 'null')
        using errcode = 'CFORB';
    end if;
    return new;
  end if;
  raise exception 'The audit log is append-only.' using errcode = 'CFORB';
end;
$$;
comment on function app_private.tg_audit_log__append_only() is
  'Refuses UPDATE, DELETE and TRUNCATE on the audit log, whoever asks, and an entry added with another time than that of its writing (between its transaction''s start and now).';

drop trigger if exists _100_dated_when_written on app_public.audit_log;
create trigger _100_dated_when_written before insert on app_public.audit_log
  for each row execute function app_private.tg_audit_log__append_only();
comment on trigger _100_dated_when_written on app_public.audit_log is
  'An entry is dated when it is written: no role that may append can backdate one.';
