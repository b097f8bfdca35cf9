--! Previous: sha1:9b6e334fd978d63c39d4ad002c4d38ad2709c913
--! Hash: sha1:9005aef24cba3747788335035e7a3e1f6dfee87e
--! Message: The live queue's listening connection names its channels as parameters

-- The API listens on the live queue's channels without naming them where its login role reads
--
-- The live queue's channels are secret (000092): whoever may connect may LISTEN and NOTIFY on any channel, so only
-- the key names them. But the API's listening connection said `LISTEN "clinicops:visits:…"` and `UNLISTEN "…"` as
-- statements of their own, and pg_stat_activity shows a connection's last statement to every session of the same
-- login role: whoever held the API's database password (the authenticator's), with no session at all, read there the
-- channel of every clinic and doctor as their queues were subscribed to, listened on it (the id and status of every
-- visit of every clinic) and could notify its subscribers. Now the listening connection calls
-- app_hidden.listen_on(channel, listens) (server/listening-connection.ts), which pg_stat_activity shows as that call,
-- the channel a parameter it does not show. It is the authenticator's, which opens that connection without becoming
-- the visitor, and grants nothing: any role may LISTEN on any channel already. It runs as the owner, so that
-- pg_stat_statements (with track = all) keeps the LISTEN inside as the owner's, which the authenticator does not read.
create or replace function app_hidden.listen_on(channel text, listens boolean) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off' set clinicops.every_clinic = 'off' set clinicops.reinvitation = 'off'
as $$
begin
  execute format(case when listen_on.listens then 'listen %I' else 'unlisten %I' end, listen_on.channel);
end;
$$;
revoke all on function app_hidden.listen_on(text, boolean) from public;
grant execute on function app_hidden.listen_on(text, boolean) to :DATABASE_AUTHENTICATOR;
comment on function app_hidden.listen_on(text, boolean) is 'LISTEN on `channel` (UNLISTEN when `listens` is false), named by a parameter: what the API''s listening connection of the live queue (server/listening-connection.ts) calls, so that pg_stat_activity, which shows its last statement to every session of the authenticator, does not show the secret channel (visit_queue_channel). Grants nothing: any role may LISTEN on any channel.';
