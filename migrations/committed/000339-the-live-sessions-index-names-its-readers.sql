--! Previous: sha1:e1cb9e0a7eb1a06fb540fd79e4cc04f0b34dd08b
--! Hash: sha1:e3a5aed2284b4c756c2dfd45c3b8c0c69eb8d5fc
--! Message: the live sessions index names its readers

-- The index of an account's live sessions names the statements that read it, a membership's change not among them
--
-- Its comment said a membership's change (a role change, a suspension, a removal: tg_membership__sync_sessions) read it,
-- and so a reader judging what an account's sessions ended within the day cost would look there; that trigger's updates
-- name the clinic and the person, and EXPLAIN shows them read off session_clinic_user_idx, which had no comment.
comment on index app_private.session_user_live_idx is 'An account''s sessions not revoked, newest first: what every statement reading all of an account''s sessions reads (open_session''s cap of 10 at each login and switch, the endings of a password change or reset, a deactivation or a platform administrator''s change: end_sessions_of), however many sessions the account ended within the day expire_sessions keeps them. Those expired within that day are in it too (at most 10 for each session lifetime the day holds: only live sessions expire unrevoked, and an account has 10 live at most), which its readers pass over by their expiry. A membership''s change reads session_clinic_user_idx.';
comment on index app_private.session_clinic_user_idx is 'A clinic''s sessions, by person: what a membership''s change reads (tg_membership__sync_sessions: a role change, a suspension or a removal acts on the person''s sessions of that clinic), and the index of the foreign key to the clinic.';
