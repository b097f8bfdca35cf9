--! Previous: sha1:4f81665fb8a9239ee57ba09b5e946fcfbff948f5
--! Hash: sha1:61ee13a10332c357bf7ae0a735a43ba00b50fdba
--! Message: the audit log's detail column says what its entries hold

-- The audit log's detail column says what its entries hold.
--
-- Its comment read "Extra facts: client address, reason, export kind.", while the entries hold more: the session a
-- login opened and those its cap ended, a password change's count of sessions ended, and, since 000226, an export's
-- file and download id (which pairs a download cut short with its beginning). Each key is now named, by action.

comment on column app_public.audit_log.detail is 'Extra facts, by action (null for data changes). login, switch_clinic: ip (the client''s address), sessionId (the session opened), endedSessions (the sessions of this chain''s clinic the account''s cap of 10 live sessions ended, if any). sessions_ended: endedSessions (this clinic''s), endedBy (login or switch_clinic, in another clinic). logout: sessionId. login_failed: phone (normalised; null when it was no phone number), ip, reason, and clinicId (the clinic named, for not_a_member and switch_not_a_member). update of user_secret (a password changed): passwordChanged, sessionsEnded (how many), and ip and sessionId when its holder changed it, or unlocked, by (resetMemberPassword, npm run password, npm run superuser) and membershipId (the clinic''s reset) when someone else gave it. export, export_cut_short: kind (the export''s kind), file (the file''s name), download (the id of the download, given by export_for_download, that pairs a download cut short with its export entry).';
