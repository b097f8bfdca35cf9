--! Previous: sha1:06450aa6d1f765779d4c4d74e46ffc9374d5c7fe
--! Hash: sha1:b107722e2fc61f4f755d14b03f04eba78237d84a
--! Message: A login's cap on an account's live sessions reads them by an index of live sessions

-- A login's cap on an account's live sessions reads them off an index of live sessions, however many the account
-- opened and ended that day.
--
-- 000223's cap reads the account's live sessions, newest first, at every login and switch; sessions ended (by a
-- logout, a switch, the cap itself) are kept a day (expire_sessions), and session_user_id_idx reads them all: an
-- account logged into again and again, a script's or an intruder's with the password, made each of its logins read
-- every session it ended that day (300,000 of them: a sequential scan of the table, a third of a second a login,
-- holding the account's locks). The partial index holds live sessions alone (at most 10 an account, and those
-- expired until session__expire deletes them), in the order the cap reads them.

drop index if exists app_private.session_user_live_idx;
create index session_user_live_idx on app_private.session (user_id, created_at desc, id desc) where revoked_at is null;
comment on index app_private.session_user_live_idx is 'An account''s sessions not ended, newest first: what open_session''s cap of 10 reads at each login and switch, however many sessions the account ended within the day expire_sessions keeps them (session_user_id_idx reads those too).';
