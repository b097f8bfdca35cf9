--! Previous: sha1:79bfe3273fa262cba0fb3fa00c8222afaf496f8d
--! Hash: sha1:98b5e20c63ecdb8404f5988cbd9c775f068678b6
--! Message: accepted_once names all its readers

-- accepted_once names all its readers
--
-- 000388 made app_hidden.invited_again_name (the staff list's name of a former member invited again) read
-- app_private.accepted_once, whose comment still named audit_log_actor_name and removed_members alone as its readers:
-- a change to the rule would have been checked against two of its three uses. Comment only.
comment on function app_private.accepted_once(m app_public.membership) is 'Whether the membership `m` was accepted once: accepted now, or an entry of its clinic''s audit chain has its row accepted before or after a change (its insert as an accepted member, its acceptance, a restore), so a member removed and invited again since (pending, declined, withdrawn) was. A person invited who never accepted was not: the clinic is not told their name. Read as the owner role (it reads every audit entry), by audit_log_actor_name, removed_members and invited_again_name (the staff list''s name of a pending member).';
