--! Previous: sha1:7f9d1db82d3bf560f78c04b47068e9d67d9216b0
--! Hash: sha1:79e794a4984beeb29dc897480b221581c33fbb18
--! Message: An account's sessions are read by the index of its live sessions alone

-- An account's sessions are read by the index of its live sessions alone
--
-- Every statement that reads an account's sessions reads its live ones (`revoked_at is null`: the cap of 10 at a
-- login or switch, a password change or reset ending them, a membership's change of role or removal), and
-- session_user_live_idx (000228) holds exactly those. session_user_id_idx, of every session of the account, ended
-- ones too (kept a day), was there besides, and on a generic plan (PL/pgSQL's, once a connection has run a function
-- a few times), planned for an account of a few sessions, PostgreSQL could take it for the cap: an account logged
-- into again and again then read every session it had ended that day at each login, holding the account's locks, as
-- before 000228 (seen in a test, depending on the table's statistics at the time). It is dropped, so the live
-- sessions' index is the one an account's sessions are read by; what it served alone, the cascade of a user's
-- deletion, which no path of the product takes, reads the table instead. Every login writes one index less.
drop index if exists app_private.session_user_id_idx;
comment on index app_private.session_user_live_idx is 'An account''s sessions not ended, newest first: what every statement reading an account''s sessions reads (open_session''s cap of 10 at each login and switch, a password change or reset, a membership''s change), however many sessions the account ended within the day expire_sessions keeps them.';
