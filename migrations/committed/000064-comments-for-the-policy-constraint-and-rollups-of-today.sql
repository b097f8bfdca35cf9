--! Previous: sha1:db5b0849218a278671832a21a793accbfb99c2b4
--! Hash: sha1:ee1dd63cf41e4343e7199ecd47f8d7ebf9300061
--! Message: Comments for the policy, constraint and rollups of today

-- Comments for what today's migrations left without one (a policy, a re-created constraint) or
-- described as it was (rebuild_rollups sees deleted rows since 000061).

comment on policy decline_own_invitations on app_public.membership is
  'Owner role only, inside decline_invitation: the current user may delete (soft_delete turns it into an update) their own pending invitation; the visitor role has no such policy.';
comment on constraint clinic_phone_check on app_public.clinic is
  'The clinic''s phone is a valid E.164 number, as the e164_phone domain checks it (the column is text: a phone typed as people type it is completed by _150_normalize_phone first).';
comment on function app_private.rebuild_rollups(uuid) is
  'Recomputes a clinic''s dashboard rollups from its payments, refunds, visits and their services, patients (soft-deleted ones included, by its definition: 000061) and invoice lines.';
