--! Previous: sha1:6dd820005c5d235f3ec3521ae3ab65ef361178c8
--! Hash: sha1:9c320974d8f4aacd7ea0e71f4f94c36e37450dee
--! Message: comments as the invitation functions now work

-- Comments (the API's documentation) brought up to what the functions do since 000048-000051:
-- an invitation is accepted by acceptInvitation, not by logging in; a declined one is never
-- restored; the login answer shows of an invitation the clinic's id and name and the role offered;
-- verifyAuditChain without a clinic checks the platform's chain for a platform admin.

comment on column app_public.membership.accepted_at is E'@behavior +filterBy +orderBy\nWhen the member accepted the membership; null while it is a pending invitation (invite_member of a phone that already had a user), which gives no access and does not show the person to the clinic until they accept it (acceptInvitation).';
comment on function app_public.decline_invitation(clinic_id uuid) is 'Declines the current user''s pending invitation from a clinic (its id is in the login answer''s `clinics`, marked `pending`): the membership is removed for good (restoreMember refuses it) and the clinic may invite them again only 30 days later; the clinic never sees who it invited. NOT_FOUND when there is no such invitation; an accepted membership is left by asking the clinic to remove it.';
comment on function app_public.restore_member(membership_id uuid) is 'Brings back a removed member of the current clinic, or an invitation the clinic withdrew (pending again); an invitation its person declined is FORBIDDEN. Owners and admins.';
comment on function app_public.verify_audit_chain(clinic_id uuid) is 'Recomputes the audit chain of a clinic (default: the session''s; for a platform admin without one, the platform''s) and reports the first entry that was changed, removed or inserted behind the database''s back. A chain rewritten whole, every hash recomputed, passes this check; `npm run audit:verify` also compares it with the heads copied out of the database every hour. Owners and admins of the clinic, and platform admins.';
comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted), or to none; returns what /auth/login answers, `clinics` listing the user''s active memberships and invitations (`pending: true`; of those only the clinic''s id and name and the role offered).';
