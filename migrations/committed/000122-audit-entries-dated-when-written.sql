--! Previous: sha1:4a0b7ab1ef0d3a356ff8fe4857cd34ba78ef389e
--! Hash: sha1:d0627cb38ef9394ebeee1479c6db9ab5edc0f7db
--! Message: audit entries dated when written

-- An audit entry is dated when it is written. write_audit dates each entry by the clock as it
-- writes it; the owner role, which may append to the log, could otherwise append entries dated
-- whenever it liked (a hard delete "in 2025"), and audit:verify would find their chain sound. Now an
-- entry is dated between its transaction's start and the moment it is written: the owner role can
-- date one no earlier than its own transaction began. The check lives in the append-only trigger's
-- function, which the auditor owns once the log is sealed. A transaction under way while the
-- server's clock steps back (a large NTP correction) has its audited writes refused, to be retried;
-- a data-only restore of the log into a database set up by ClinicOps needs --disable-triggers.

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
  'An entry is dated when it is written, between its transaction''s start and now: no role that may append dates one before its own transaction began.';
